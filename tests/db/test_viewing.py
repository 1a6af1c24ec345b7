"""recordViews' transaction on real PostgreSQL: the per-viewer lock keeps the cap and first-of-day exact."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest

from db.viewing import record_views
from domain.views import Plan, ViewConfig, Viewer, ViewEvent
from settings import Settings
from tests.views_factories import new_user, new_videos

pytestmark = pytest.mark.usefixtures("clean_state")


async def test_the_cap_holds_under_concurrent_calls(db_pool: asyncpg.Pool, settings: Settings) -> None:
    config = ViewConfig(max_qualified_per_day=5)
    viewer = Viewer.device("device-race-0001")
    async with db_pool.acquire() as conn:
        videos = await new_videos(conn, await new_user(conn), 30)
    assert settings.database_url
    pool = await asyncpg.create_pool(settings.database_url, min_size=10, max_size=10)

    async def call(n: int) -> Plan:
        events = [ViewEvent(v, 5000, f"{n}-{v}", None) for v in videos[n * 3 : n * 3 + 3]]
        async with pool.acquire() as conn:
            return await record_views(conn, viewer=viewer, events=events, now=datetime.now(UTC), config=config)

    try:
        plans = await asyncio.gather(*(call(n) for n in range(10)))
    finally:
        await pool.close()
    assert sum(len(p.stored) for p in plans) == 30
    assert sum(p.qualified for p in plans) == 5
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM view_events WHERE qualified") == 5
        assert await conn.fetchval("SELECT sum(views) FROM uncredited_views") == 5


async def test_a_second_qualified_view_of_the_day_is_refused_by_the_database(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        (video,) = await new_videos(conn, await new_user(conn), 1)
        insert = (
            "INSERT INTO view_events (viewer_id, client_event_id, anonymous, video_id, watched_ms, occurred_at, "
            "received_at, day, qualified) VALUES ('00000000-0000-4000-8000-000000000001', $1, true, $2, 5000, now(), "
            "now(), (now() AT TIME ZONE 'UTC')::date, true)"
        )
        await conn.execute(insert, "a", video)
        with pytest.raises(asyncpg.UniqueViolationError) as refused:
            await conn.execute(insert, "b", video)
    # Raised by the day's partition, whose index is named after the table's.
    assert refused.value.constraint_name.endswith("_qualified_once_a_day")
