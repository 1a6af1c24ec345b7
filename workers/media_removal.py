"""The media-removal cron and the immediate removal of a never-published deletion (RULES §11)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from db.media_removal import lock_due, mark_removed, take_expired_exports
from settings import Settings

BATCH = 100


async def remove_due_media(ctx: dict[str, Any]) -> int:
    """Every TAKEN_DOWN or DELETED video's media past MEDIA_RETENTION_DAYS (and any never-published
    deletion the immediate job missed), a batch per transaction, then the data exports whose URL
    has expired; how many videos lost their media."""
    removed = 0
    while batch := await _remove(ctx, None):
        removed += batch
    while await _remove_exports(ctx):
        pass
    return removed


async def remove_video_media(ctx: dict[str, Any], *video_ids: str) -> int:
    """The media of videos deleted before they were ever published, or with their account, now."""
    return await _remove(ctx, [UUID(video_id) for video_id in video_ids])


async def _remove(ctx: dict[str, Any], video_ids: list[UUID] | None) -> int:
    settings: Settings = ctx["settings"]
    async with ctx["pool"].acquire() as conn, conn.transaction():
        due = await lock_due(
            conn,
            retention_days=settings.media_retention_days,
            account_deletion_days=settings.account_deletion_days,
            limit=BATCH if video_ids is None else len(video_ids),
            video_ids=video_ids,
        )
        for item in due:
            for key in item.keys:
                await ctx["storage"].delete(key)  # deleting a missing file is no error: a retry is safe
        await mark_removed(conn, video_ids=[item.video_id for item in due])
    return len(due)


async def _remove_exports(ctx: dict[str, Any]) -> int:
    settings: Settings = ctx["settings"]
    async with ctx["pool"].acquire() as conn, conn.transaction():
        keys = await take_expired_exports(conn, older_than_seconds=settings.media_url_ttl_seconds, limit=BATCH)
        for key in keys:
            await ctx["storage"].delete(key)
    return len(keys)
