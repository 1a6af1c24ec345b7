"""Crediting on real PostgreSQL: the worked examples, batching, ancestors, racing runs, `fanreel credit`."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import pytest

from db.crediting import credit, credit_command
from db.ledger_cli import checks_for, verify
from domain.revenue import SplitConfig
from settings import Settings
from tests.views_factories import (
    holder_balance,
    new_character,
    new_holder,
    new_user,
    new_video,
    platform_balance,
    seed_qualified_views,
    wallet_balance,
)

pytestmark = pytest.mark.usefixtures("clean_state")
CONFIG = SplitConfig()
ADVERTISING = "SELECT balance_micros FROM ledger_accounts WHERE kind = 'ADVERTISING' AND holder_id IS NULL"


@pytest.fixture(autouse=True)
async def ledger_invariants_hold(db_pool: asyncpg.Pool) -> AsyncIterator[None]:
    yield
    async with db_pool.acquire() as conn:
        assert await verify(conn) == []


async def test_worked_example_a(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator, p_creator, q_creator = await new_user(conn), await new_user(conn), await new_user(conn)
        holder_a, holder_b = await new_holder(conn), await new_holder(conn)
        a, b = await new_character(conn, holder_a, 2000), await new_character(conn, holder_b, 1500)
        q = await new_video(conn, q_creator)
        p = await new_video(conn, p_creator, remix_of=q)
        video = await new_video(conn, creator, licenses=[(a, 2000), (b, 1500)], remix_of=p)
        await seed_qualified_views(conn, video, 1000)

    run = await credit(db_pool, CONFIG)

    assert (run.videos, run.views, run.gross_micros) == (1, 1000, 500_000)
    async with db_pool.acquire() as conn:
        assert await platform_balance(conn) == 150_000
        assert await holder_balance(conn, holder_a) == 100_000
        assert await holder_balance(conn, holder_b) == 75_000
        assert await wallet_balance(conn, p_creator) == 17_500
        assert await wallet_balance(conn, q_creator) == 1_750
        assert await wallet_balance(conn, creator) == 155_750
        assert await conn.fetchval(ADVERTISING) == -500_000
        assert await conn.fetchval("SELECT count(*) FROM ledger_transactions WHERE kind = 'VIEW_REVENUE'") == 1
    assert await credit(db_pool, CONFIG) == type(run)()  # nothing new: nothing credited


async def test_worked_example_b_cap(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator = await new_user(conn)
        holder_a, holder_b = await new_holder(conn), await new_holder(conn)
        a, b = await new_character(conn, holder_a, 4000), await new_character(conn, holder_b, 3000)
        video = await new_video(conn, creator, licenses=[(a, 4000), (b, 3000)])
        await seed_qualified_views(conn, video, 1000)
    await credit(db_pool, CONFIG)
    async with db_pool.acquire() as conn:
        assert await holder_balance(conn, holder_a) == 142_857
        assert await holder_balance(conn, holder_b) == 107_142
        assert await platform_balance(conn) == 150_000
        assert await wallet_balance(conn, creator) == 100_001


async def test_worked_example_c_batching(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        holder = await new_holder(conn)
        character = await new_character(conn, holder, 3333)
        video = await new_video(conn, await new_user(conn), licenses=[(character, 3333)])
    for _ in range(3):
        async with db_pool.acquire() as conn:
            await seed_qualified_views(conn, video, 1)
        assert (await credit(db_pool, CONFIG)).views == 1
    async with db_pool.acquire() as conn:
        assert await holder_balance(conn, holder) == 499
        assert await conn.fetchval("SELECT credited_views FROM video_revenue WHERE video_id = $1", video) == 3


async def test_totals_depend_only_on_the_number_of_views(db_pool: asyncpg.Pool) -> None:
    rng = random.Random(6)
    async with db_pool.acquire() as conn:
        holder = await new_holder(conn)
        character = await new_character(conn, holder, 1234)
        ancestor_creator = await new_user(conn)
        parent = await new_video(conn, ancestor_creator)
        creators = [await new_user(conn), await new_user(conn)]
        batched = await new_video(conn, creators[0], licenses=[(character, 1234)], remix_of=parent)
        at_once = await new_video(conn, creators[1], licenses=[(character, 1234)], remix_of=parent)
    total = 0
    for _ in range(7):
        views = rng.randint(1, 13)
        total += views
        async with db_pool.acquire() as conn:
            await seed_qualified_views(conn, batched, views)
        await credit(db_pool, CONFIG)
    async with db_pool.acquire() as conn:
        await seed_qualified_views(conn, at_once, total)
    await credit(db_pool, CONFIG)
    async with db_pool.acquire() as conn:
        assert await wallet_balance(conn, creators[0]) == await wallet_balance(conn, creators[1])
        ancestor = await wallet_balance(conn, ancestor_creator)
        assert ancestor % 2 == 0 and ancestor > 0  # the same amount from each video


async def test_ancestors_by_the_same_creator_are_skipped(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator, other = await new_user(conn), await new_user(conn)
        q = await new_video(conn, other)
        p = await new_video(conn, creator, remix_of=q)  # the creator remixing their own remix
        video = await new_video(conn, creator, remix_of=p)
        await seed_qualified_views(conn, video, 1000)
    await credit(db_pool, CONFIG)
    async with db_pool.acquire() as conn:
        # pool = 350000: the other creator is the first paid ancestor (a1), the creator keeps the rest.
        assert await wallet_balance(conn, other) == 35_000
        assert await wallet_balance(conn, creator) == 315_000
        items = await conn.fetch("SELECT party, item_video_id FROM revenue_credits WHERE party = 'ANCESTOR'")
        assert [(r["party"], r["item_video_id"]) for r in items] == [("ANCESTOR", q)]


async def test_two_runs_racing_credit_every_view_once(db_pool: asyncpg.Pool, settings: Settings) -> None:
    rng = random.Random(7)
    seeded: dict[UUID, int] = {}
    async with db_pool.acquire() as conn:
        holder = await new_holder(conn)
        character = await new_character(conn, holder, 2500)
        creator = await new_user(conn)
        for _ in range(60):
            video = await new_video(conn, creator, licenses=[(character, 2500)])
            seeded[video] = rng.randint(1, 40)
            await seed_qualified_views(conn, video, seeded[video])
    assert settings.database_url
    pools = [await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2) for _ in range(3)]
    try:
        runs = await asyncio.gather(*(credit(pool, CONFIG, batch_size=7) for pool in pools))
    finally:
        for pool in pools:
            await pool.close()
    assert sum(run.views for run in runs) == sum(seeded.values())
    assert sum(run.videos for run in runs) >= len(seeded)
    async with db_pool.acquire() as conn:
        credited = dict(await conn.fetch("SELECT video_id, credited_views FROM video_revenue"))
        assert credited == seeded
        assert await conn.fetchval(ADVERTISING) == -500 * sum(seeded.values())


async def test_views_arriving_while_crediting_wait_for_the_next_run(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator = await new_user(conn)
        videos = [await new_video(conn, creator) for _ in range(20)]
        for video in videos:
            await seed_qualified_views(conn, video, 3)

    async def more_views() -> None:
        async with db_pool.acquire() as conn:
            for video in videos:
                await seed_qualified_views(conn, video, 2)

    await asyncio.gather(credit(db_pool, CONFIG, batch_size=3), more_views())
    await credit(db_pool, CONFIG)
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT sum(credited_views) FROM video_revenue") == 100
        assert await conn.fetchval("SELECT count(*) FROM uncredited_views") == 0


async def test_views_that_earn_nothing_are_still_counted_as_credited(db_pool: asyncpg.Pool) -> None:
    free = SplitConfig(view_revenue_micros=0)
    async with db_pool.acquire() as conn:
        video = await new_video(conn, await new_user(conn))
        await seed_qualified_views(conn, video, 5)
    assert (await credit(db_pool, free)).views == 5
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM ledger_transactions") == 0
        assert await conn.fetchval("SELECT credited_views FROM video_revenue") == 5
        assert await verify(conn, checks_for(free)) == []
        # Under the default rate the same ledger owes 2500 micros that were never credited.
        await conn.execute("TRUNCATE revenue_credits, view_credits, video_revenue, view_events, uncredited_views")


async def test_the_credit_command_runs_once(db_pool: asyncpg.Pool, settings: Settings) -> None:
    async with db_pool.acquire() as conn:
        video = await new_video(conn, await new_user(conn))
        await seed_qualified_views(conn, video, 4)
    assert await credit_command(settings) == "credited 4 qualified views of 1 videos ($0.002 gross)"
    assert await credit_command(settings) == "credited 0 qualified views of 0 videos ($0.00 gross)"
