"""recordViews' one transaction: lock the viewer, read what qualification needs, store the plan.

A constant number of statements per call, whatever the number of events: the lock, two
set-based reads, and one insert (events plus the uncredited views they add).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

import asyncpg

from db.queries import views
from domain.views import Plan, ViewConfig, Viewer, ViewEvent, days_concerned, plan

if TYPE_CHECKING:
    from settings import Settings


def view_config(settings: Settings) -> ViewConfig:
    return ViewConfig(
        qualify_ms=settings.qualify_ms,
        max_qualified_per_day=settings.max_qualified_views_per_viewer_per_day,
        max_anonymous_per_ip_per_day=settings.max_qualified_anon_views_per_ip_per_day,
    )


async def record_views(
    conn: asyncpg.Connection,
    *,
    viewer: Viewer,
    events: Sequence[ViewEvent],
    now: datetime,
    config: ViewConfig,
    ip: str | None = None,
) -> Plan:
    """Store the acceptable events once each and mark the qualified ones; the plan says what happened to each.
    `ip`: the client's address, whose anonymous qualified views are capped per day (RULES §11)."""
    video_ids = {e.video_id for e in events if e.video_id is not None}
    client_ids = [e.client_event_id for e in events]
    capped_ip = ip if viewer.anonymous and config.max_anonymous_per_ip_per_day else None
    async with conn.transaction():
        # Every call of this viewer waits here for the one before to commit, so the reads below
        # (stored ids, the day's qualified views) stay true until this one's insert commits.
        await views.lock_viewer(conn, viewer=viewer)
        facts = await views.video_facts(
            conn, video_ids=list(video_ids), user_id=viewer.user_id, device_id=viewer.device_id
        )
        stored, days = await views.viewer_state(
            conn, viewer_id=viewer.id, client_event_ids=client_ids, days=days_concerned(now)
        )
        result = plan(events, viewer=viewer, now=now, videos=facts, stored_ids=stored, days=days, config=config)
        if capped_ip and result.qualified:
            result = await _within_ip_cap(conn, capped_ip, now, lambda ip_days: plan(
                events, viewer=viewer, now=now, videos=facts, stored_ids=stored, days=days, config=config,
                ip_days=ip_days,
            ))  # fmt: skip
        await views.insert_events(conn, viewer=viewer, received_at=now, events=result.stored)
    return result


async def _within_ip_cap(
    conn: asyncpg.Connection, ip: str, now: datetime, replan: Callable[[dict[date, int]], Plan]
) -> Plan:
    """The plan under the IP's anonymous counts (RULES §11). A first read without the lock: counts
    only grow, so a call that qualifies nothing by it would qualify nothing under the lock either,
    and an IP past its cap (a NAT, a script) no longer serialises its calls. Otherwise the IP's lock,
    taken after the viewer's (always in that order, so calls never deadlock), and the plan made again."""
    days = days_concerned(now)
    unlocked = replan(await views.ip_days(conn, ip=ip, days=days))
    if not unlocked.qualified:
        return unlocked
    result = replan(await views.lock_ip_days(conn, ip=ip, days=days))
    await views.add_ip_views(conn, ip=ip, per_day=result.qualified_per_day())
    return result
