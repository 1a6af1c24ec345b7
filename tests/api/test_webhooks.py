"""POST /webhooks/payments through the ASGI app: signed, fresh, idempotent credits (RULES §7)."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from api.ids import decode_id, to_global_id
from db.queries import ledger
from domain.ledger import sign
from settings import Settings
from tests.helpers import GraphQLClient, create_user

URL = "/webhooks/payments"


def payment(user_id: str, amount: Any = 5_000_000, *, event_id: str = "evt_1", **data: Any) -> dict[str, Any]:
    values = {"user_id": user_id, "amount_micros": amount, "currency": "USD"} | data
    return {"id": event_id, "type": "payment.succeeded", "data": values}


async def send(
    client: GraphQLClient,
    settings: Settings,
    event: dict[str, Any] | bytes,
    *,
    age: float = 0,
    secret: str | None = None,
    signature: str | None = None,
) -> httpx.Response:
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    header = signature or sign(secret or settings.payment_webhook_secret, body, int(time.time() - age))
    return await client.http.post(URL, content=body, headers={"Fanreel-Signature": header})


async def balance_of(db_pool: asyncpg.Pool, user_gid: str) -> int:
    user_id = decode_id(user_gid, "User")
    assert user_id is not None
    async with db_pool.acquire() as conn:
        return await ledger.wallet_balance(conn, user_id=user_id)


async def test_a_signed_payment_credits_the_wallet(
    client: GraphQLClient, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    user = await create_user(client)
    response = await send(client, settings, payment(user.id, 5_000_000))
    assert response.status_code == 200
    assert response.json() == {"received": True, "credited": True}
    assert await balance_of(db_pool, user.id) == 5_000_000


async def test_a_replayed_event_is_credited_once(
    client: GraphQLClient, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    user = await create_user(client)
    first = await send(client, settings, payment(user.id, 1_000))
    replay = await send(client, settings, payment(user.id, 1_000))
    other = await send(client, settings, payment(user.id, 1_000, event_id="evt_2"))
    assert [r.status_code for r in (first, replay, other)] == [200, 200, 200]
    assert replay.json() == {"received": True, "credited": False}
    assert await balance_of(db_pool, user.id) == 2_000


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ({"secret": "not the secret"}, "SIGNATURE_MISMATCH"),
        ({"signature": "t=1,v1=deadbeef"}, "SIGNATURE_MISMATCH"),
        ({"signature": "nonsense"}, "SIGNATURE_MALFORMED"),
        ({"age": 301}, "SIGNATURE_EXPIRED"),
        ({"age": -301}, "SIGNATURE_EXPIRED"),
    ],
)
async def test_a_bad_or_stale_signature_is_refused(
    client: GraphQLClient, settings: Settings, db_pool: asyncpg.Pool, sent: dict[str, Any], code: str
) -> None:
    user = await create_user(client)
    response = await send(client, settings, payment(user.id), **sent)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert await balance_of(db_pool, user.id) == 0


async def test_a_missing_signature_is_refused(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    user = await create_user(client)
    response = await client.http.post(URL, content=json.dumps(payment(user.id)).encode())
    assert (response.status_code, response.json()["error"]["code"]) == (400, "SIGNATURE_MISSING")
    assert await balance_of(db_pool, user.id) == 0


@pytest.mark.parametrize(
    "user_ref",
    [to_global_id("User", uuid4()), to_global_id("Character", UUID(int=1)), "not an id"],
)
async def test_an_unknown_user_is_refused(client: GraphQLClient, settings: Settings, user_ref: str) -> None:
    response = await send(client, settings, payment(user_ref))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "UNKNOWN_USER")


@pytest.mark.parametrize(
    "event",
    [
        lambda gid: payment(gid, 0),
        lambda gid: payment(gid, -5),
        lambda gid: payment(gid, 2.5),
        lambda gid: payment(gid, "100"),
        lambda gid: payment(gid, currency="EUR"),
        lambda gid: b"{not json",
        lambda gid: {"type": "payment.succeeded", "data": {}},
    ],
)
async def test_an_unusable_event_is_refused_and_credits_nothing(
    client: GraphQLClient, settings: Settings, db_pool: asyncpg.Pool, event: Any
) -> None:
    user = await create_user(client)
    response = await send(client, settings, event(user.id))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "INVALID_EVENT")
    assert await balance_of(db_pool, user.id) == 0


async def test_other_event_types_are_acknowledged_and_ignored(
    client: GraphQLClient, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    user = await create_user(client)
    response = await send(client, settings, {"id": "evt_9", "type": "customer.updated", "data": {"user_id": user.id}})
    assert response.status_code == 200
    assert response.json() == {"received": True, "credited": False}
    assert await balance_of(db_pool, user.id) == 0


async def test_an_oversized_body_is_refused(client: GraphQLClient, settings: Settings) -> None:
    response = await send(client, settings, b"x" * (64 * 1024 + 1))
    assert response.status_code == 413
