"""Restricting (RULES §1): when a new policy version would refuse existing videos and its
onRestrict is TAKE_DOWN, those videos become TAKEN_DOWN, each re-evaluated with its own prompt,
creator and characters. Licenses never change: rates are locked once used."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from db.fee_escrow import refund_held_fees
from db.generation import refund
from db.queries import activity, videos
from db.remix import reevaluate
from domain.activity import ActivityKind
from domain.policy import Decision

# RULES §11: every video not yet DELETED (nor FAILED or already TAKEN_DOWN), drafts and videos in
# progress included, so none slips out later as a video its policy now refuses.
SWEPT = ("QUEUED", "GENERATING", "DRAFT", "PENDING_REVIEW", "PUBLISHED", "REJECTED")
IN_PROGRESS = ("QUEUED", "GENERATING")
# The videos featuring the character, in a stable order for batching (keyset on id).
CANDIDATES = f"""
SELECT v.id FROM video_licenses l JOIN videos v ON v.id = l.video_id
WHERE l.character_id = $1 AND v.status IN {SWEPT} AND ($2::uuid IS NULL OR v.id > $2)
ORDER BY v.id LIMIT $3
"""


async def candidates(conn: asyncpg.Connection, *, character_id: UUID, after: UUID | None, limit: int) -> list[UUID]:
    return [row["id"] for row in await conn.fetch(CANDIDATES, character_id, after, limit)]


async def sweep(
    conn: asyncpg.Connection, *, character_id: UUID, version: int, video_ids: list[UUID]
) -> tuple[int, list[activity.Event]]:
    """Take down the videos the character's current policy refuses; (count, events to publish after commit)."""
    taken, events = 0, []
    reason = f"Taken down: version {version} of a character's policy no longer allows this video."
    for video_id in video_ids:
        video = await videos.lock_video(conn, video_id=video_id)
        if video is None or video.status not in SWEPT:
            continue
        decision = await reevaluate(conn, video)
        refused = any(d.character_id == character_id and d.decision is Decision.DENY for d in decision.per_character)
        if not refused:
            continue
        await videos.unpublish(conn, video=video, status="TAKEN_DOWN", reason=reason)
        if video.status in IN_PROGRESS:  # nothing was made yet: the whole charge goes back (the job stops)
            await refund(conn, video)
        else:
            await refund_held_fees(conn, video_id=video.id, creator_id=video.creator_id)
        events.append(
            await activity.record(
                conn,
                kind=ActivityKind.VIDEO_TAKEN_DOWN,
                video_id=video.id,
                character_id=character_id,
                users=[video.creator_id],
                members_of_holders_of=list(video.character_ids),
            )
        )
        taken += 1
    return taken, events
