"""recordViews' one transaction: lock the viewer, read what qualification needs, store the plan.

A constant number of statements per call, whatever the number of events: the lock, two
set-based reads, and one insert (events plus the uncredited views they add).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import asyncpg

from db.queries import views
from domain.views import Plan, ViewConfig, Viewer, ViewEvent, days_concerned, plan

if TYPE_CHECKING:
    from settings import Settings


def view_config(settings: Settings) -> ViewConfig:
    return ViewConfig(
        qualify_ms=settings.qualify_ms, max_qualified_per_day=settings.max_qualified_views_per_viewer_per_day
    )


async def record_views(
    conn: asyncpg.Connection, *, viewer: Viewer, events: Sequence[ViewEvent], now: datetime, config: ViewConfig
) -> Plan:
    """Store the acceptable events once each and mark the qualified ones; the plan says what happened to each."""
    video_ids = {e.video_id for e in events if e.video_id is not None}
    client_ids = [e.client_event_id for e in events]
    async with conn.transaction():
        # Every call of this viewer waits here for the one before to commit, so the reads below
        # (stored ids, the day's qualified views) stay true until this one's insert commits.
        await views.lock_viewer(conn, viewer=viewer)
        facts = await views.video_facts(conn, video_ids=list(video_ids), user_id=viewer.user_id)
        stored, days = await views.viewer_state(
            conn, viewer_id=viewer.id, client_event_ids=client_ids, days=days_concerned(now)
        )
        result = plan(events, viewer=viewer, now=now, videos=facts, stored_ids=stored, days=days, config=config)
        await views.insert_events(conn, viewer=viewer, received_at=now, events=result.stored)
    return result
