"""Video lists: the home feed, trending, a character's and a user's videos, remixes, the review
queue. All keyset-paginated (stable while new videos arrive); $1 is always the viewer (or NULL)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from db.queries.videos import LIST_COLUMNS, Listed, listed

Keyset = tuple[datetime, UUID]
# What a page of a list may contain when the viewer may see unpublished videos.
NOT_DELETED = "v.status <> 'DELETED'"


async def _fetch(conn: asyncpg.Connection, sql: str, *args: object) -> list[Listed]:
    return [listed(row) for row in await conn.fetch(sql, *args)]


def _split(after: Keyset | None) -> tuple[datetime | None, UUID | None]:
    return after if after else (None, None)


PUBLISHED_BY = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.creator_id = $2 AND v.status = 'PUBLISHED'
  AND ($3::timestamptz IS NULL OR (v.published_at, v.id) < ($3::timestamptz, $4::uuid))
ORDER BY v.published_at DESC, v.id DESC LIMIT $5
"""
ALL_BY = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.creator_id = $2 AND {NOT_DELETED}
  AND ($3::timestamptz IS NULL OR (v.created_at, v.id) < ($3::timestamptz, $4::uuid))
ORDER BY v.created_at DESC, v.id DESC LIMIT $5
"""


async def videos_of_user(
    conn: asyncpg.Connection,
    *,
    viewer_id: UUID | None,
    user_id: UUID,
    everything: bool,
    after: Keyset | None,
    limit: int,
) -> list[Listed]:
    """Published videos newest first (keyset published_at); `everything`: all but deleted (keyset created_at)."""
    return await _fetch(conn, ALL_BY if everything else PUBLISHED_BY, viewer_id, user_id, *_split(after), limit)


OF_CHARACTER = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.id IN (SELECT video_id FROM video_licenses WHERE character_id = $2) AND v.status = 'PUBLISHED'
  AND ($3::timestamptz IS NULL OR (v.published_at, v.id) < ($3::timestamptz, $4::uuid))
ORDER BY v.published_at DESC, v.id DESC LIMIT $5
"""
ALL_OF_CHARACTER = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.id IN (SELECT video_id FROM video_licenses WHERE character_id = $2) AND {NOT_DELETED}
  AND ($3::timestamptz IS NULL OR (v.created_at, v.id) < ($3::timestamptz, $4::uuid))
ORDER BY v.created_at DESC, v.id DESC LIMIT $5
"""


async def videos_of_character(
    conn: asyncpg.Connection,
    *,
    viewer_id: UUID | None,
    character_id: UUID,
    everything: bool,
    after: Keyset | None,
    limit: int,
) -> list[Listed]:
    sql = ALL_OF_CHARACTER if everything else OF_CHARACTER
    return await _fetch(conn, sql, viewer_id, character_id, *_split(after), limit)


REMIXES = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.remix_of_id = $2 AND v.status = 'PUBLISHED'
  AND ($3::timestamptz IS NULL OR (v.published_at, v.id) < ($3::timestamptz, $4::uuid))
ORDER BY v.published_at DESC, v.id DESC LIMIT $5
"""


async def remixes_of(
    conn: asyncpg.Connection, *, viewer_id: UUID | None, video_id: UUID, after: Keyset | None, limit: int
) -> list[Listed]:
    return await _fetch(conn, REMIXES, viewer_id, video_id, *_split(after), limit)


REVIEW_QUEUE = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.status = 'PENDING_REVIEW' AND EXISTS (
    SELECT 1 FROM video_licenses l JOIN characters c ON c.id = l.character_id
    WHERE l.video_id = v.id AND l.review = 'PENDING' AND c.holder_id = $2)
  AND ($3::timestamptz IS NULL OR (v.created_at, v.id) > ($3::timestamptz, $4::uuid))
ORDER BY v.created_at, v.id LIMIT $5
"""


async def review_queue(
    conn: asyncpg.Connection, *, viewer_id: UUID, holder_id: UUID, after: Keyset | None, limit: int
) -> list[Listed]:
    """Videos waiting for this holder's review, oldest first."""
    return await _fetch(conn, REVIEW_QUEUE, viewer_id, holder_id, *_split(after), limit)


# ---------------------------------------------------------------- home feed and trending

# The viewer's followed creators and characters; a video qualifies through either.
FOLLOWED = """
(v.creator_id IN (SELECT followee_id FROM user_follows WHERE follower_id = $1)
 OR v.id IN (SELECT l.video_id FROM video_licenses l
             JOIN character_follows cf ON cf.character_id = l.character_id AND cf.user_id = $1))
"""

# One statement for a page that may span both parts of the feed: the followed part (newest
# first, keyset published_at) and then trending videos not in the followed part (keyset rank
# within the snapshot the cursor pinned).
FEED = f"""
(SELECT {LIST_COLUMNS}, 0 AS part, v.published_at AS published_key, NULL::bigint AS generation, NULL::integer AS rank
 FROM videos v
 WHERE $2 AND $1::uuid IS NOT NULL AND v.status = 'PUBLISHED' AND {FOLLOWED}
   AND ($3::timestamptz IS NULL OR (v.published_at, v.id) < ($3::timestamptz, $4::uuid))
 ORDER BY v.published_at DESC, v.id DESC LIMIT $7)
UNION ALL
(SELECT {LIST_COLUMNS}, 1 AS part, NULL, t.generation, t.rank
 FROM trending_ranks t JOIN videos v ON v.id = t.video_id
 WHERE t.generation = coalesce($5, (SELECT max(generation) FROM trending_snapshots))
   AND t.rank > coalesce($6, 0) AND v.status = 'PUBLISHED'
   AND NOT ($1::uuid IS NOT NULL AND {FOLLOWED})
 ORDER BY t.rank LIMIT $7)
"""


async def feed(
    conn: asyncpg.Connection,
    *,
    viewer_id: UUID | None,
    followed_after: Keyset | None,
    trending_after: tuple[int, int] | None,
    limit: int,
) -> list[tuple[Listed, tuple[object, ...]]]:
    """Up to `limit` rows, each with its cursor keys: ("f", published_at, id) or ("t", generation, rank)."""
    in_followed = trending_after is None
    published_at, last_id = _split(followed_after)
    generation, rank = trending_after if trending_after else (None, None)
    rows = await conn.fetch(FEED, viewer_id, in_followed, published_at, last_id, generation, rank, limit)
    rows = sorted(rows, key=lambda r: r["part"])[:limit]  # each part arrives ordered; followed first
    return [(listed(r), _feed_keys(r)) for r in rows]


def _feed_keys(row: asyncpg.Record) -> tuple[object, ...]:
    if row["part"] == 0:
        return ("f", row["published_key"].isoformat(), str(row["id"]))
    return ("t", row["generation"], row["rank"])


TRENDING = f"""
SELECT {LIST_COLUMNS}, t.generation, t.rank FROM trending_ranks t JOIN videos v ON v.id = t.video_id
WHERE t.generation = coalesce($2, (SELECT max(generation) FROM trending_snapshots))
  AND t.rank > coalesce($3, 0) AND v.status = 'PUBLISHED'
ORDER BY t.rank LIMIT $4
"""


async def trending(
    conn: asyncpg.Connection, *, viewer_id: UUID | None, after: tuple[int, int] | None, limit: int
) -> list[tuple[Listed, tuple[int, int]]]:
    generation, rank = after if after else (None, None)
    rows = await conn.fetch(TRENDING, viewer_id, generation, rank, limit)
    return [(listed(r), (r["generation"], r["rank"])) for r in rows]
