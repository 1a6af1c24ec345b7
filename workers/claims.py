"""The claim deadline cron (RULES §8): claims and appeals nobody answered in time resolve by default."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from db.claims import resolve_due
from db.crediting import split_config
from db.queries import activity

logger = logging.getLogger(__name__)


def _now(ctx: dict[str, Any]) -> datetime:
    # Tests (and an operator replaying a day) set ctx["clock"]; otherwise the wall clock.
    clock: Callable[[], datetime] | None = ctx.get("clock")
    return clock() if clock else datetime.now(UTC)


async def resolve_claim_deadlines(ctx: dict[str, Any]) -> int:
    """Resolve every claim whose deadline has passed; how many were resolved."""
    events = await resolve_due(ctx["pool"], now=_now(ctx), config=split_config(ctx["settings"]))
    await activity.publish_all(ctx["redis"], events)
    if events:
        logger.info("resolved %d claims whose deadline passed", len(events))
    return len(events)
