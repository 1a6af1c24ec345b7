"""`fanreel ledger verify` finds every deliberately corrupted piece of view revenue, readably."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import pytest

from db.crediting import credit
from db.ledger_cli import verify, verify_command
from db.queries import ledger
from db.queries.ledger import AccountKind, LedgerKind, Posting
from domain.revenue import SplitConfig
from settings import Settings
from tests.views_factories import new_character, new_holder, new_user, new_video, seed_qualified_views

pytestmark = pytest.mark.usefixtures("clean_state")


async def credited_video(db_pool: asyncpg.Pool) -> tuple[UUID, UUID]:
    """A video with 10 credited views and 2 waiting; (video, creator)."""
    async with db_pool.acquire() as conn:
        creator = await new_user(conn)
        character = await new_character(conn, await new_holder(conn), 1000)
        video = await new_video(conn, creator, licenses=[(character, 1000)])
        await seed_qualified_views(conn, video, 10)
    await credit(db_pool, SplitConfig())
    async with db_pool.acquire() as conn:
        await seed_qualified_views(conn, video, 2)
        assert await verify(conn) == []
    return video, creator


async def test_an_extra_view_revenue_transaction_is_found(db_pool: asyncpg.Pool) -> None:
    video, creator = await credited_video(db_pool)
    async with db_pool.acquire() as conn:
        source = await ledger.system_account(conn, AccountKind.ADVERTISING)
        wallet = await ledger.wallet_account(conn, user_id=creator)
        postings = [Posting(source, -1000), Posting(wallet, 1000)]
        await ledger.post(conn, kind=LedgerKind.VIEW_REVENUE, postings=postings, video_id=video, memo="forged")
        problems = await verify(conn)
    assert len(problems) == 2  # the creator's wallet and the source, each off by 1000
    assert all(p.startswith("VIEW_REVENUE transaction") and "recorded credits say 0" in p for p in problems)


async def test_a_tampered_credited_total_is_found(db_pool: asyncpg.Pool) -> None:
    video, _ = await credited_video(db_pool)
    async with db_pool.acquire() as conn:
        await conn.execute("UPDATE video_revenue SET credited_views = 11 WHERE video_id = $1", video)
        problems = await verify(conn)
    assert f"video {video} has 11 views credited but its credits cover 10 views ending at 10" in problems
    assert f"video {video} has 12 qualified view events but 11 credited + 2 waiting" in problems
    # and the split of 11 views is more than what the parties got
    assert any(p.startswith(f"video {video}: the platform was credited 1500 for 11 views") for p in problems)


async def test_lost_waiting_views_are_found(db_pool: asyncpg.Pool) -> None:
    video, _ = await credited_video(db_pool)
    async with db_pool.acquire() as conn:
        await conn.execute("DELETE FROM uncredited_views")
        assert await verify(conn) == [f"video {video} has 12 qualified view events but 10 credited + 0 waiting"]


async def test_a_forged_credit_row_is_found(db_pool: asyncpg.Pool) -> None:
    video, _ = await credited_video(db_pool)
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO revenue_credits (credit_id, party, account_id, user_id, item_video_id, amount_micros, views, "
            "created_at) SELECT credit_id, party, account_id, user_id, item_video_id, 7, views, created_at "
            "FROM revenue_credits WHERE party = 'CREATOR'"
        )
        problems = await verify(conn)
    assert any(p.startswith(f"video {video}: the creator was credited") and "the rules owe" in p for p in problems)
    assert any(p.startswith("VIEW_REVENUE transaction") for p in problems)


async def test_verify_command_exits_non_zero_with_a_readable_list(db_pool: asyncpg.Pool, settings: Settings) -> None:
    await credited_video(db_pool)
    assert settings.database_url
    assert await verify_command(settings.database_url) == (0, ["ledger ok: every invariant holds"])
    async with db_pool.acquire() as conn:
        await conn.execute("DELETE FROM uncredited_views")
    status, lines = await verify_command(settings.database_url)
    assert status == 1
    assert lines[-1] == "1 discrepancies found" and "qualified view events" in lines[0]


async def test_a_share_without_its_credit_is_found(db_pool: asyncpg.Pool) -> None:
    await credited_video(db_pool)
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO revenue_credits (credit_id, party, account_id, holder_id, character_id, amount_micros, "
            "views, created_at) SELECT gen_random_uuid(), party, account_id, holder_id, character_id, 0, 1, now() "
            "FROM revenue_credits WHERE party = 'HOLDER'"
        )
        problems = await verify(conn)
    assert len(problems) == 1 and problems[0].startswith("1 revenue credits belong to no view credit")
