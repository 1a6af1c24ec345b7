"""A taken-down or deleted remix ancestor earns nothing from then on (RULES §11, §6), and
`ledger verify` agrees with what it earned before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from db.crediting import credit
from db.ledger_cli import verify
from domain.revenue import SplitConfig
from tests.views_factories import new_user, new_video, seed_qualified_views, take_down, wallet_balance

pytestmark = pytest.mark.usefixtures("clean_state")
CONFIG = SplitConfig()


@pytest.fixture(autouse=True)
async def ledger_invariants_hold(db_pool: asyncpg.Pool) -> AsyncIterator[None]:
    yield
    async with db_pool.acquire() as conn:
        assert await verify(conn) == []


async def test_a_taken_down_ancestor_stops_earning_and_the_next_one_moves_up(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator, p_creator, q_creator = await new_user(conn), await new_user(conn), await new_user(conn)
        q = await new_video(conn, q_creator)
        p = await new_video(conn, p_creator, remix_of=q)
        video = await new_video(conn, creator, remix_of=p)
        await seed_qualified_views(conn, video, 1000)
    await credit(db_pool, CONFIG)  # G 500000: platform 150000, pool 350000, P 35000, Q 3500
    async with db_pool.acquire() as conn:
        assert (await wallet_balance(conn, p_creator), await wallet_balance(conn, q_creator)) == (35_000, 3_500)
        await take_down(conn, p, datetime.now(UTC))
        assert await verify(conn) == []  # what P earned before the takedown stays right
        await seed_qualified_views(conn, video, 1000)
    await credit(db_pool, CONFIG)
    async with db_pool.acquire() as conn:
        # P earns nothing more; Q takes P's place as the first ancestor for the new views.
        assert await wallet_balance(conn, p_creator) == 35_000
        assert await wallet_balance(conn, q_creator) == 3_500 + 35_000
        assert await wallet_balance(conn, creator) == (350_000 - 35_000 - 3_500) + (350_000 - 35_000)


async def test_credits_before_a_deletion_verify_after_it(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator, p_creator = await new_user(conn), await new_user(conn)
        p = await new_video(conn, p_creator)
        video = await new_video(conn, creator, remix_of=p)
        await seed_qualified_views(conn, video, 10)
    await credit(db_pool, CONFIG)
    async with db_pool.acquire() as conn:
        await conn.execute("UPDATE videos SET status = 'DELETED' WHERE id = $1", p)
        assert await verify(conn) == []
        await seed_qualified_views(conn, video, 10)
    await credit(db_pool, CONFIG)
    async with db_pool.acquire() as conn:
        assert await wallet_balance(conn, p_creator) == 10 * 500 * 7000 // 10000 // 10


async def test_verify_catches_an_ancestor_paid_after_its_takedown(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator, p_creator = await new_user(conn), await new_user(conn)
        p = await new_video(conn, p_creator)
        video = await new_video(conn, creator, remix_of=p)
        await seed_qualified_views(conn, video, 10)
    await credit(db_pool, CONFIG)
    async with db_pool.acquire() as conn:
        # As if P had been taken down an hour before that credit, which paid it all the same.
        await take_down(conn, p, datetime.now(UTC) - timedelta(hours=1))
        [problem] = await verify(conn)
        assert f"ancestor video {p} was paid" in problem
        await conn.execute("UPDATE videos SET unpublished_at = now() WHERE id = $1", p)  # leave it consistent
