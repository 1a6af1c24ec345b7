"""`fanreel ledger verify` finds corrupted claim escrow, debts and payouts (db/money_check.py), readably."""

from __future__ import annotations

import asyncpg
import pytest

from db.ledger_cli import verify
from db.queries import ledger
from db.queries.ledger import AccountKind, LedgerKind, Posting
from tests.views_factories import new_character, new_holder, new_user, new_video

pytestmark = pytest.mark.usefixtures("clean_state")


async def move(conn: asyncpg.Connection, kind: LedgerKind, source: AccountKind, to: AccountKind, amount: int) -> None:
    """A balanced transaction between two system accounts that no record explains."""
    postings = [
        Posting(await ledger.system_account(conn, source), -amount),
        Posting(await ledger.system_account(conn, to), amount),
    ]
    await ledger.post(conn, kind=kind, postings=postings)


async def test_held_revenue_without_an_open_claim_is_found(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        await move(conn, LedgerKind.VIEW_REVENUE, AccountKind.ADVERTISING, AccountKind.CLAIM_HELD, 700)
        problems = await verify(conn)
    assert "CLAIM_HELD holds 700 but open claims hold 0" in problems


async def test_a_claim_whose_held_amount_was_not_credited_is_found(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator, member = await new_user(conn), await new_user(conn)
        holder = await new_holder(conn, member)
        character = await new_character(conn, holder, 2000)
        video = await new_video(conn, creator)
        await conn.execute(
            "INSERT INTO claims (kind, video_id, character_id, holder_id, filed_by, action, reason, views_from, "
            "held_micros) VALUES ('MISSED_CHARACTER', $1, $2, $3, $4, 'TAKE_DOWN', 'x', 0, 500)",
            video,
            character,
            holder,
            member,
        )
        problems = await verify(conn)
    assert any(p.endswith("says it held 500 but 0 was credited to it") for p in problems)
    assert "CLAIM_HELD holds 0 but open claims hold 500" in problems


async def test_a_debt_the_receivable_does_not_show_is_found(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        user = await new_user(conn)
        await conn.execute("INSERT INTO debts (user_id, amount_micros) VALUES ($1, 300)", user)
        problems = await verify(conn)
    assert "RECEIVABLE is 0 but users owe 300" in problems
    assert any(p.startswith(f"user {user} owes 300") for p in problems)


async def test_a_payment_reversed_beyond_what_it_credited_is_found(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        user = await new_user(conn)
        await ledger.fund_wallet(conn, user_id=user, amount_micros=1000, memo="top-up", external_id="payment:evt_1")
        reversal = (
            "INSERT INTO payment_reversals (event_id, payment_id, user_id, kind, amount_micros, debt_micros) "
            "VALUES ($1, 'evt_1', $2, 'REFUNDED', $3, 0)"
        )
        await conn.execute(reversal, "evt_2", user, 600)
        assert not any(p.startswith("payment evt_1") for p in await verify(conn))
        await conn.execute(reversal, "evt_3", user, 600)
        problems = await verify(conn)
    assert "payment evt_1 was reversed 1200 but credited 1000" in problems


async def test_money_in_clearing_without_a_payout_is_found(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        await move(conn, LedgerKind.PAYOUT, AccountKind.FUNDING, AccountKind.PAYOUT_CLEARING, 900)
        problems = await verify(conn)
    assert "PAYOUT_CLEARING holds 900 but pending payouts are 0" in problems
    assert any("payouts say 0" in p for p in problems)
