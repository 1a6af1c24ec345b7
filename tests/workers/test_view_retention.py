"""view_events' partitions kept by the worker (hourly cron, and at startup) and by the API at startup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from api.app import create_app
from db.view_partitions import DAYS_AHEAD, ensure_days, partitions
from settings import Settings
from workers.settings import worker_settings
from workers.view_retention import keep_view_partitions
from workers.worker import Worker

pytestmark = pytest.mark.usefixtures("clean_state")
TODAY = datetime.now(UTC).date()
LAST = TODAY + timedelta(days=DAYS_AHEAD)


async def days(pool: asyncpg.Pool) -> set[object]:
    async with pool.acquire() as conn:
        return {p.first for p in await partitions(conn)}


def test_the_job_runs_hourly(settings: Settings) -> None:
    options = worker_settings(settings)
    assert keep_view_partitions in options["functions"]
    (job,) = [c for c in options["cron_jobs"] if c.coroutine is keep_view_partitions]
    assert job.minute == {17} and job.second == {0}


async def test_the_job_makes_the_days_ahead_and_drops_the_expired(db_pool: asyncpg.Pool, settings: Settings) -> None:
    old = TODAY - timedelta(days=settings.view_events_retention_days + 1)
    async with db_pool.acquire() as conn:
        await ensure_days(conn, [old])
    await db_pool.execute(f"DROP TABLE view_events_{LAST:%Y%m%d}")
    ctx = {"pool": db_pool, "settings": settings}
    assert await keep_view_partitions(ctx) == 1
    assert LAST in await days(db_pool) and old not in await days(db_pool)
    assert await keep_view_partitions(ctx) == 0  # nothing left to do


async def test_the_worker_makes_missing_partitions_at_startup(db_pool: asyncpg.Pool, settings: Settings) -> None:
    await db_pool.execute(f"DROP TABLE view_events_{LAST:%Y%m%d}")
    options = worker_settings(settings.model_copy(update={"generator": "noop"})) | {"burst": True, "poll_delay": 0.05}
    worker = Worker(**options, handle_signals=False)
    try:
        await worker.main()
    finally:
        await worker.close()
    assert LAST in await days(db_pool)


async def test_the_api_makes_missing_partitions_at_startup(db_pool: asyncpg.Pool, settings: Settings) -> None:
    await db_pool.execute(f"DROP TABLE view_events_{LAST:%Y%m%d}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert LAST in await days(db_pool)
