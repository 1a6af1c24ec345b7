"""view_events' partitions, hourly: the days ahead made, the days past VIEW_EVENTS_RETENTION_DAYS
dropped with their qualified views counted (db/view_partitions.py). Idempotent: a run that finds
everything in place does nothing, and two workers at once serialise on an advisory lock."""

from __future__ import annotations

import logging
from typing import Any

from db import view_partitions

logger = logging.getLogger(__name__)


async def keep_view_partitions(ctx: dict[str, Any]) -> int:
    """Make the missing partitions ahead, drop the expired ones; the number dropped."""
    async with ctx["pool"].acquire() as conn:
        made = await view_partitions.ensure_partitions(conn)
        run = await view_partitions.drop_expired_partitions(
            conn, retention_days=ctx["settings"].view_events_retention_days
        )
    if made:
        logger.info("made view_events partitions for %s", ", ".join(str(day) for day in made))
    return len(run.dropped)
