"""Removing media that left for good (RULES §11): a TAKEN_DOWN or DELETED video's files are kept
MEDIA_RETENTION_DAYS (for appeals), then removed; a video DELETED before it was ever published, or
by deleteAccount, loses them at once (a job enqueued on commit; if it is lost, the cron catches up,
at the latest ACCOUNT_DELETION_DAYS after the account's deletion). The rows keep everything but
the keys (media_removed_at says when)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

# Locked until the files are gone and the keys cleared: a concurrent run skips them, and a status
# change (an appeal restoring the video) waits and then finds nothing removed.
DUE = """
SELECT id, media_key, thumbnail_key, manifest_key FROM videos
WHERE status IN ('TAKEN_DOWN', 'DELETED') AND media_key IS NOT NULL
  AND (($1::uuid[] IS NULL AND (updated_at < now() - make_interval(days => $2)
                                OR (status = 'DELETED' AND published_at IS NULL)
                                OR creator_id IN (SELECT id FROM users
                                                  WHERE deleted_at < now() - make_interval(days => $4))))
       OR id = ANY($1::uuid[]))
ORDER BY updated_at LIMIT $3
FOR UPDATE SKIP LOCKED
"""
CLEAR = """
UPDATE videos SET media_key = NULL, thumbnail_key = NULL, manifest_key = NULL, sha256 = NULL,
    media_removed_at = now()
WHERE id = ANY($1::uuid[])
"""


@dataclass(frozen=True)
class DueMedia:
    video_id: UUID
    keys: tuple[str, ...]


async def lock_due(
    conn: asyncpg.Connection,
    *,
    retention_days: int,
    account_deletion_days: int,
    limit: int,
    video_ids: Sequence[UUID] | None = None,
) -> list[DueMedia]:
    """In a transaction: media to remove now (of `video_ids` only, whatever their age, when given;
    else those past retention, never-published deletions, and deleted accounts' past their days)."""
    ids = list(video_ids) if video_ids is not None else None
    rows = await conn.fetch(DUE, ids, retention_days, limit, account_deletion_days)
    return [
        DueMedia(row["id"], tuple(k for k in (row["media_key"], row["thumbnail_key"], row["manifest_key"]) if k))
        for row in rows
    ]


async def mark_removed(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> None:
    await conn.execute(CLEAR, list(video_ids))


EXPORTS_DUE = """
DELETE FROM data_exports WHERE key IN (
    SELECT key FROM data_exports WHERE created_at < now() - make_interval(secs => $1)
    ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING key
"""
RECORD_EXPORT = "INSERT INTO data_exports (key, user_id) VALUES ($1, $2)"


async def record_export(conn: asyncpg.Connection, *, key: str, user_id: UUID) -> None:
    await conn.execute(RECORD_EXPORT, key, user_id)


async def take_expired_exports(conn: asyncpg.Connection, *, older_than_seconds: int, limit: int) -> list[str]:
    """In a transaction: the keys of exports whose URL has expired, forgotten (the caller deletes the files)."""
    return [row["key"] for row in await conn.fetch(EXPORTS_DUE, older_than_seconds, limit)]
