"""The pool skips asyncpg's reset round trip only after a block that ended normally, and gives such
a connection back at once (db/pool.py `_release_at_once`, which mirrors asyncpg's private release
path: the first test fails when that code changes)."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
from collections.abc import AsyncIterator

import asyncpg
import asyncpg.connection
import asyncpg.pool
import pytest

from db.pool import create_pool
from settings import Settings


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    assert settings.database_url
    pool = await create_pool(settings.database_url, min_size=1, max_size=1)  # one connection: every acquire reuses it
    yield pool
    await pool.close()


# The asyncpg 0.32.0 code that db/pool.py `_release_at_once` mirrors, by the SHA-256 of its source.
MIRRORED = {
    asyncpg.pool.Pool.release: "e24e3da0c5bf1df6",
    asyncpg.pool.PoolConnectionHolder.release: "a8af808680d4c5ce",
    asyncpg.pool.PoolConnectionHolder._release: "daf444ce5b345cb1",
    asyncpg.pool.PoolConnectionHolder._setup_inactive_callback: "25722bd387b2e7d9",
    asyncpg.pool.PoolAcquireContext.__aexit__: "33bb4fe789a8e490",
    asyncpg.connection.Connection._reset: "3252aa6d5b0eb65f",
    asyncpg.connection.Connection._on_release: "cf495810a0f25382",
}


def test_the_release_path_mirrored_is_asyncpgs_own() -> None:
    changed = [
        f.__qualname__
        for f, digest in MIRRORED.items()
        if hashlib.sha256(inspect.getsource(f).encode()).hexdigest()[:16] != digest
    ]
    assert not changed, f"asyncpg changed {changed}: check db/pool.py _release_at_once against it, then update MIRRORED"


async def test_a_connection_given_back_at_once_is_free_detached_and_timed(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def not_this_way(*_: object, **__: object) -> None:
        raise AssertionError("asyncpg's release ran: the block's connection was not given back at once")

    monkeypatch.setattr(asyncpg.pool.PoolConnectionHolder, "release", not_this_way)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT 1") == 1
        holder = conn._holder
    assert pool.get_idle_size() == 1 and holder._in_use is None
    assert holder._inactive_callback is not None  # closed after MAX_INACTIVE seconds idle, as asyncpg does
    with pytest.raises(asyncpg.InterfaceError):
        await conn.fetchval("SELECT 1")  # the proxy handed out no longer reaches the connection
    async with pool.acquire() as again:
        assert again._holder is holder and await again.fetchval("SELECT 2") == 2


async def test_a_block_that_leaves_a_transaction_open_is_rolled_back(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("BEGIN")
        await conn.execute("SET LOCAL application_name = 'in a transaction'")
    async with pool.acquire() as conn:
        assert not conn.is_in_transaction()
        assert await conn.fetchval("SHOW application_name") == ""


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
