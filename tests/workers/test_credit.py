"""The crediting job in a real arq worker (burst mode): the cron credits what is waiting, idempotently."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from db.ledger_cli import verify
from settings import Settings
from tests.views_factories import new_character, new_holder, new_user, new_video, seed_qualified_views, wallet_balance
from workers.credit import credit_views
from workers.settings import worker_settings
from workers.worker import Worker

pytestmark = pytest.mark.usefixtures("clean_state")


@pytest.fixture(autouse=True)
async def ledger_invariants_hold(db_pool: asyncpg.Pool) -> AsyncIterator[None]:
    yield
    async with db_pool.acquire() as conn:
        assert await verify(conn) == []


async def run_worker(settings: Settings) -> None:
    options = worker_settings(settings.model_copy(update={"generator": "noop"})) | {"burst": True, "poll_delay": 0.05}
    worker = Worker(**options, handle_signals=False)
    try:
        await worker.main()
    finally:
        await worker.close()


def test_the_job_is_scheduled_every_credit_interval(settings: Settings) -> None:
    options = worker_settings(settings.model_copy(update={"credit_interval_seconds": 10}))
    assert credit_views in options["functions"]
    (job,) = [c for c in options["cron_jobs"] if c.coroutine is credit_views]
    assert job.second == {0, 10, 20, 30, 40, 50} and job.run_at_startup


async def test_the_worker_credits_waiting_views(db_pool: asyncpg.Pool, settings: Settings) -> None:
    async with db_pool.acquire() as conn:
        creator = await new_user(conn)
        character = await new_character(conn, await new_holder(conn), 2000)
        video = await new_video(conn, creator, licenses=[(character, 2000)])
        await seed_qualified_views(conn, video, 10)
    await run_worker(settings)
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT credited_views FROM video_revenue WHERE video_id = $1", video) == 10
        assert await wallet_balance(conn, creator) == 5000 - 1500 - 1000
    await run_worker(settings)  # nothing new: nothing credited again
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM ledger_transactions WHERE kind = 'VIEW_REVENUE'") == 1


async def test_the_job_returns_the_views_it_credited(db_pool: asyncpg.Pool, settings: Settings) -> None:
    async with db_pool.acquire() as conn:
        await seed_qualified_views(conn, await new_video(conn, await new_user(conn)), 3)
    ctx: dict[str, Any] = {"pool": db_pool, "settings": settings}
    assert await credit_views(ctx) == 3
    assert await credit_views(ctx) == 0
