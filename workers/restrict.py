"""The restrict sweep for characters with many videos, in batches of one transaction each."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from db.queries import activity
from db.restrict import candidates, sweep

BATCH = 200


async def restrict_sweep(ctx: dict[str, Any], character_id: str, version: int) -> int:
    """Idempotent: videos already taken down are skipped, so a retried run only finishes the job."""
    taken, after = 0, None
    while True:
        async with ctx["pool"].acquire() as conn:
            batch = await candidates(conn, character_id=UUID(character_id), after=after, limit=BATCH)
            if not batch:
                return taken
            async with conn.transaction():
                count, events = await sweep(conn, character_id=UUID(character_id), version=version, video_ids=batch)
        for event in events:
            await activity.publish(ctx["redis"], event)
        taken += count
        after = batch[-1]
