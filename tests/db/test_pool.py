"""The pool skips asyncpg's reset round trip only after a block that ended normally."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from db.pool import create_pool
from settings import Settings


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    assert settings.database_url
    pool = await create_pool(settings.database_url, min_size=1, max_size=1)  # one connection: every acquire reuses it
    yield pool
    await pool.close()


async def application_name(pool: asyncpg.Pool) -> str:
    async with pool.acquire() as conn:
        name: str = await conn.fetchval("SHOW application_name")
        return name


async def test_a_block_that_ends_normally_skips_the_reset(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("SET application_name = 'left over'")  # session state our code never sets
    assert await application_name(pool) == "left over"  # no RESET ALL was sent


async def test_a_block_that_raises_is_reset(pool: asyncpg.Pool) -> None:
    with pytest.raises(ZeroDivisionError):
        async with pool.acquire() as conn:
            await conn.execute("SET application_name = 'left over'")
            1 / 0  # noqa: B018
    assert await application_name(pool) == ""


async def test_a_cancelled_query_leaves_no_transaction_or_lock_behind(pool: asyncpg.Pool) -> None:
    async def hold_a_lock_then_sleep() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(4242)")
            await conn.execute("SELECT pg_sleep(30)")

    task = asyncio.create_task(hold_a_lock_then_sleep())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT pg_try_advisory_xact_lock(4242)")
        state = await conn.fetchval("SELECT state FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        assert state == "active"  # this very statement; nothing else runs on the backend
        others = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state <> 'idle' AND backend_type = 'client backend'"
        )
        assert others == 0  # the cancelled backend is not left mid-statement or in a transaction
