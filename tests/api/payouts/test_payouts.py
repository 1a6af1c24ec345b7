"""Payouts through GraphQL and a real worker against a local fake provider (RULES §9): exactly-once
money under retries, a provider answering twice and a worker killed mid-payout."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import asyncpg
from redis.asyncio import Redis

from settings import Settings
from tests.api.payouts.conftest import (
    HOLDER_ACCOUNT,
    REQUEST,
    SET_DESTINATION,
    VIEWER_ACCOUNT,
    earn,
    run_worker,
)
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, create_video
from tests.views_factories import uuid_of
from tests.workers.fake_payout_provider import FakePayouts
from workers.payout_provider import build_payout_provider


async def earner(client: GraphQLClient, db: asyncpg.Pool, settings: Settings, views: int = 10_000) -> Account:
    """A creator with $10 of top-ups (create_video grants it) and `views` × 350 micros of revenue."""
    creator = await create_user(client)
    video = await create_video(client, db, creator, "a quiet lake")
    await earn(db, settings, video, views)
    return creator


async def set_destination(client: GraphQLClient, user: Account, destination: str, **kw: Any) -> dict[str, Any]:
    result = await client.execute(SET_DESTINATION, {"input": {"destination": destination, **kw}}, token=user.token)
    payload: dict[str, Any] = result.data["setPayoutDestination"]
    return payload


async def request(client: GraphQLClient, user: Account, **values: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.execute(REQUEST, {"input": values}, token=user.token)).data["requestPayout"]
    return payload


async def account(client: GraphQLClient, user: Account) -> dict[str, Any]:
    data: dict[str, Any] = (await client.execute(VIEWER_ACCOUNT, token=user.token)).data["viewer"]["payoutAccount"]
    return data


async def wallet(db: asyncpg.Pool, user: Account) -> int:
    async with db.acquire() as conn:
        micros: int = await conn.fetchval(
            "SELECT balance_micros FROM ledger_accounts WHERE user_id = $1", uuid_of(user.id)
        )
    return micros


async def test_earned_revenue_is_paid_out_once_and_top_ups_never(
    pclient: GraphQLClient, db: asyncpg.Pool, payout_settings: Settings, fake_payouts: tuple[FakePayouts, str]
) -> None:
    creator = await earner(pclient, db, payout_settings)
    before = await account(pclient, creator)
    assert (before["available"]["micros"], before["paidOut"]["micros"], before["destination"]) == ("3500000", "0", None)
    assert before["minimumPayout"]["micros"] == "1000000"
    assert (await set_destination(pclient, creator, "acct_ok"))["account"]["destination"] == "acct_ok"
    wallet0 = await wallet(db, creator)
    requested = await request(pclient, creator)
    assert requested["userErrors"] == []
    assert (requested["payout"]["status"], requested["payout"]["amount"]["micros"]) == ("PENDING", "3500000")
    assert requested["account"]["available"]["micros"] == "0"
    assert await wallet(db, creator) == wallet0 - 3_500_000

    await run_worker(payout_settings)
    after = await account(pclient, creator)
    (edge,) = after["payouts"]["edges"]
    assert edge["node"]["status"] == "PAID" and edge["node"]["providerReference"].startswith("tr_")
    assert edge["node"]["settledAt"] is not None
    assert after["paidOut"]["micros"] == "3500000" and after["available"]["micros"] == "0"
    fake = fake_payouts[0]
    assert [t.amount_micros for t in fake.transfers.values()] == [3_500_000]
    node = "query($id: ID!) { node(id: $id) { ... on Payout { status amount { micros } } } }"
    mine = await pclient.execute(node, {"id": edge["node"]["id"]}, token=creator.token)
    assert mine.data["node"] == {"status": "PAID", "amount": {"micros": "3500000"}}
    stranger = await create_user(pclient)
    assert (await pclient.execute(node, {"id": edge["node"]["id"]}, token=stranger.token)).data["node"] is None
    # The $10 of top-ups never leave; more than available is refused.
    again = await request(pclient, creator, amount="1")
    assert [e["code"] for e in again["userErrors"]] == ["INSUFFICIENT_FUNDS"]


async def test_refused_requests_change_nothing(
    pclient: GraphQLClient, db: asyncpg.Pool, payout_settings: Settings
) -> None:
    creator = await earner(pclient, db, payout_settings, views=2000)  # $0.70: under the $1 minimum
    stranger = await create_user(pclient)
    holder = await create_holder(pclient, stranger, "Elsewhere")
    wallet0 = await wallet(db, creator)
    assert [e["code"] for e in (await request(pclient, creator))["userErrors"]] == ["CONFLICT"]  # no destination
    await set_destination(pclient, creator, "acct_ok")
    for values, code in (({}, "INSUFFICIENT_FUNDS"), ({"amount": "abc"}, "INVALID"), ({"amount": "0"}, "INVALID")):
        assert [e["code"] for e in (await request(pclient, creator, **values))["userErrors"]] == [code]
    forbidden = await pclient.execute(REQUEST, {"input": {"holderId": holder}}, token=creator.token)
    assert forbidden.error_codes() == ["FORBIDDEN"]
    assert (await pclient.execute(REQUEST, {"input": {}})).error_codes() == ["UNAUTHENTICATED"]
    assert (await set_destination(pclient, creator, " "))["userErrors"][0]["code"] == "INVALID"
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM payouts") == 0
    assert await wallet(db, creator) == wallet0


async def test_racing_twice_with_one_key_pays_once(
    pclient: GraphQLClient, db: asyncpg.Pool, payout_settings: Settings
) -> None:
    creator = await earner(pclient, db, payout_settings)
    await set_destination(pclient, creator, "acct_ok")
    first, second = await asyncio.gather(
        request(pclient, creator, amount="2", idempotencyKey="k1"),
        request(pclient, creator, amount="2", idempotencyKey="k1"),
    )
    assert first["payout"]["id"] == second["payout"]["id"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM payouts") == 1
        assert await conn.fetchval("SELECT count(*) FROM ledger_transactions WHERE kind = 'PAYOUT'") == 1


async def test_provider_failure_is_retried_and_answering_twice_pays_once(
    pclient: GraphQLClient, db: asyncpg.Pool, payout_settings: Settings, fake_payouts: tuple[FakePayouts, str]
) -> None:
    fake = fake_payouts[0]
    for destination in ("acct_500", "acct_slow", "acct_pending"):
        creator = await earner(pclient, db, payout_settings)
        await set_destination(pclient, creator, destination)
        assert (await request(pclient, creator))["userErrors"] == []
    await run_worker(payout_settings)
    async with db.acquire() as conn:
        rows = await conn.fetch("SELECT id, status, destination, attempts FROM payouts ORDER BY destination")
    assert [(r["destination"], r["status"]) for r in rows] == [
        ("acct_500", "PAID"),
        ("acct_pending", "PAID"),
        ("acct_slow", "PAID"),
    ]
    assert [r["attempts"] for r in rows] == [2, 1, 2]  # a 500 and a timeout were each retried once
    # One transfer each, though acct_500 and acct_slow were each asked twice.
    assert len(fake.transfers) == 3 and len(fake.creates) == 5
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM ledger_transactions WHERE kind = 'PAYOUT_PAID'") == 3


async def test_a_failed_or_refused_transfer_returns_the_money(
    pclient: GraphQLClient, db: asyncpg.Pool, payout_settings: Settings
) -> None:
    creators = []
    for destination in ("acct_fail", "acct_refuse"):
        creator = await earner(pclient, db, payout_settings)
        await set_destination(pclient, creator, destination)
        await request(pclient, creator)
        creators.append(creator)
    await run_worker(payout_settings)
    for creator in creators:
        after = await account(pclient, creator)
        (edge,) = after["payouts"]["edges"]
        assert edge["node"]["status"] == "FAILED" and edge["node"]["failureReason"]
        assert after["available"]["micros"] == "3500000"  # back, and available again


async def test_a_worker_killed_mid_payout_and_a_job_run_twice_pay_once(
    pclient: GraphQLClient,
    db: asyncpg.Pool,
    redis: Redis,
    payout_settings: Settings,
    fake_payouts: tuple[FakePayouts, str],
) -> None:
    creator = await earner(pclient, db, payout_settings)
    await set_destination(pclient, creator, "acct_ok")
    assert (await request(pclient, creator))["userErrors"] == []
    payout_id = await _only_payout_id(db)
    # The worker took the job, asked the provider, and died: the job is gone, the transfer made.
    await redis.flushdb()
    provider = build_payout_provider(payout_settings)
    await provider.create_transfer(payout_id=payout_id, amount_micros=3_500_000, destination="acct_ok")
    async with db.acquire() as conn:
        await conn.execute("UPDATE payouts SET attempts = 1, updated_at = now() - interval '1 hour'")
    await run_worker(payout_settings.model_copy(update={"payout_reconcile_seconds": 60}))  # the reconciler
    from workers.payouts import send_payout

    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM payouts") == "PAID"
    ctx = {"pool": db, "settings": payout_settings, "payout_provider": provider}
    assert await send_payout(ctx, str(payout_id)) == "settled already"  # a duplicate job moves nothing
    assert len(fake_payouts[0].transfers) == 1
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM ledger_transactions WHERE kind = 'PAYOUT_PAID'") == 1


async def _only_payout_id(db: asyncpg.Pool) -> UUID:
    async with db.acquire() as conn:
        payout_id: UUID = await conn.fetchval("SELECT id FROM payouts")
    return payout_id


async def test_holders_pay_out_to_members_only(
    pclient: GraphQLClient, db: asyncpg.Pool, payout_settings: Settings
) -> None:
    member, creator = await create_user(pclient), await create_user(pclient)
    holder = await create_holder(pclient, member)
    character = await create_character(pclient, member, holder, "Captain Vireo", revenueShareBps=2000)
    video = await create_video(pclient, db, creator, "a tale", characterIds=[character])
    await earn(db, payout_settings, video, 10_000)  # 100 micros a view to the holder
    not_member = await pclient.execute(
        SET_DESTINATION, {"input": {"destination": "acct_x", "holderId": holder}}, token=creator.token
    )
    assert not_member.error_codes() == ["FORBIDDEN"]
    outsider = await pclient.execute(HOLDER_ACCOUNT, {"id": holder}, token=creator.token)
    assert outsider.error_codes() == ["FORBIDDEN"]
    await set_destination(pclient, member, "acct_ok", holderId=holder)
    paid = await request(pclient, member, holderId=holder)
    assert paid["payout"]["amount"]["micros"] == "1000000"
    await run_worker(payout_settings)
    node = (await pclient.execute(HOLDER_ACCOUNT, {"id": holder}, token=member.token)).data["node"]["payoutAccount"]
    assert node["paidOut"]["micros"] == "1000000" and node["destination"] == "acct_ok"


async def test_revenue_within_the_hold_is_pending(client: GraphQLClient, db: asyncpg.Pool, settings: Settings) -> None:
    creator = await earner(client, db, settings)
    held = await account(client, creator)  # the default 14-day hold and $10 minimum
    assert (held["available"]["micros"], held["pending"]["micros"]) == ("0", "3500000")
    assert held["minimumPayout"]["micros"] == "10000000"
