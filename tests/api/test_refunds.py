"""Refunds and chargebacks through the payment webhook (RULES §9): the wallet pays what it can, the
rest is debt that blocks paid generation until a top-up repays it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from db.ledger_cli import verify
from settings import Settings
from tests.api.test_webhooks import balance_of, payment, send
from tests.helpers import CREATE_REMIX, Account, GraphQLClient, create_user
from tests.views_factories import uuid_of


@pytest.fixture(autouse=True)
async def ledger_verifies(db_pool: asyncpg.Pool) -> AsyncIterator[None]:
    yield
    async with db_pool.acquire() as conn:
        assert await verify(conn) == []


def reversal(
    user_id: str, amount: int, *, event_id: str, payment_id: str = "pay_1", kind: str = "refunded"
) -> dict[str, Any]:
    data = {"user_id": user_id, "amount_micros": amount, "currency": "USD", "payment_id": payment_id}
    return {"id": event_id, "type": f"payment.{kind}", "data": data}


async def debt_of(db: asyncpg.Pool, user: Account) -> int:
    async with db.acquire() as conn:
        debt: int | None = await conn.fetchval("SELECT amount_micros FROM debts WHERE user_id = $1", uuid_of(user.id))
    return debt or 0


async def remix(client: GraphQLClient, user: Account, seconds: int = 10) -> dict[str, Any]:
    values = {"prompt": "a quiet lake", "characterIds": [], "durationSeconds": seconds}
    result = await client.execute(CREATE_REMIX, {"input": values}, token=user.token)
    payload: dict[str, Any] = result.data["createRemix"]
    return payload


async def test_a_refund_within_the_balance_leaves_no_debt(
    client: GraphQLClient, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    user = await create_user(client)
    assert (await send(client, settings, payment(user.id, 5_000_000, event_id="pay_1"))).status_code == 200
    response = await send(client, settings, reversal(user.id, 2_000_000, event_id="ref_1"))
    assert response.json() == {"received": True, "reversed": True, "debtMicros": 0}
    assert await balance_of(db_pool, user.id) == 3_000_000
    replay = await send(client, settings, reversal(user.id, 2_000_000, event_id="ref_1"))
    assert replay.json() == {"received": True, "reversed": False}
    assert await balance_of(db_pool, user.id) == 3_000_000


async def test_a_refund_larger_than_the_balance_is_debt_that_blocks_paid_generation(
    client: GraphQLClient, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    user = await create_user(client)
    await send(client, settings, payment(user.id, 1_000_000, event_id="pay_1"))
    # Spend: three free generations, then one paid (10 s × $0.02 = $0.20).
    for _ in range(4):
        assert (await remix(client, user))["userErrors"] == []
        async with db_pool.acquire() as conn:
            await conn.execute("UPDATE videos SET status = 'DRAFT' WHERE status = 'QUEUED'")
    assert await balance_of(db_pool, user.id) == 800_000
    chargeback = await send(client, settings, reversal(user.id, 1_000_000, event_id="cb_1", kind="disputed"))
    assert chargeback.json()["debtMicros"] == 200_000
    assert await balance_of(db_pool, user.id) == 0
    assert await debt_of(db_pool, user) == 200_000

    refused = await remix(client, user)
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_FUNDS"]
    assert "owe $0.20" in refused["userErrors"][0]["message"]
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM videos") == 4

    await send(client, settings, payment(user.id, 500_000, event_id="pay_2"))  # repays the debt first
    assert await debt_of(db_pool, user) == 0
    assert await balance_of(db_pool, user.id) == 300_000
    assert (await remix(client, user))["userErrors"] == []


async def test_reversals_beyond_the_payment_are_refused(
    client: GraphQLClient, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    user, other = await create_user(client), await create_user(client)
    await send(client, settings, payment(user.id, 1_000_000, event_id="pay_1"))
    await send(client, settings, reversal(user.id, 600_000, event_id="ref_1"))
    too_much = await send(client, settings, reversal(user.id, 500_000, event_id="ref_2"))
    assert too_much.status_code == 400 and too_much.json()["error"]["code"] == "INVALID_EVENT"
    unknown = await send(client, settings, reversal(user.id, 1, event_id="ref_3", payment_id="pay_404"))
    assert unknown.status_code == 400
    not_theirs = await send(client, settings, reversal(other.id, 1, event_id="ref_4"))
    assert not_theirs.status_code == 400
    no_payment_id = reversal(user.id, 1, event_id="ref_5")
    del no_payment_id["data"]["payment_id"]
    assert (await send(client, settings, no_payment_id)).status_code == 400
    assert await balance_of(db_pool, user.id) == 400_000
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM payment_reversals") == 1
