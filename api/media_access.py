"""Which media the /media route serves without a signature (RULES §11): a video's files only while
the video is PUBLISHED and its creator not suspended (RULES §10). Anything else (drafts, taken-down
and deleted videos, data exports) needs a signed URL, which `Video.media` and `exportMyData` give
those entitled to it.

Each unsigned request for `videos/<id>/...` asks the database for the video's status, through a
per-process cache of MEDIA_STATUS_CACHE_SECONDS (default 1): a takedown stops public serving within
that time on every API process, without any cross-process invalidation, and a hot video costs one
statement (two primary-key lookups) per process per second whatever its traffic.
"""

from __future__ import annotations

import re
import time
from uuid import UUID

import asyncpg

MAX_CACHED = 100_000
_VIDEO_KEY = re.compile(r"videos/([0-9a-f-]{36})/[^/]+")
# A suspended creator's videos left every public surface (RULES §10): their files too.
IS_PUBLIC = """
SELECT v.status = 'PUBLISHED' AND u.suspended_at IS NULL FROM videos v JOIN users u ON u.id = v.creator_id
WHERE v.id = $1
"""


class PublicMedia:
    """The /media route's `is_public` hook; `pool` is set once the app's lifespan has made it."""

    def __init__(self, cache_seconds: float) -> None:
        self.cache_seconds = cache_seconds
        self.pool: asyncpg.Pool | None = None
        self._cache: dict[UUID, tuple[float, bool]] = {}

    async def __call__(self, key: str) -> bool:
        match = _VIDEO_KEY.fullmatch(key)
        if match is None or self.pool is None:
            return False
        try:
            video_id = UUID(match[1])
        except ValueError:
            return False
        now = time.monotonic()
        cached = self._cache.get(video_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        public = bool(await self.pool.fetchval(IS_PUBLIC, video_id))
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[video_id] = (now + self.cache_seconds, public)
        return public
