"""Monthly statements (RULES §9): a CSV behind an expiring signed URL whose entries sum to the balance change."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import asyncpg
import httpx

from db.crediting import credit, split_config
from settings import Settings
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, create_video
from tests.views_factories import seed_qualified_views, uuid_of

VIEWER = "query($m: String!) { viewer { statementUrl(month: $m) } }"
HOLDER = "query($id: ID!, $m: String!) { node(id: $id) { ... on Holder { statementUrl(month: $m) } } }"


async def download(client: GraphQLClient, url: str) -> list[list[str]]:
    parsed = httpx.URL(url)
    response = await client.http.get(parsed.raw_path.decode())
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text)))


def micros(text: str) -> int:
    whole, _, fraction = text.lstrip("-").partition(".")
    value = int(whole) * 1_000_000 + int(fraction)
    return -value if text.startswith("-") else value


async def test_a_statement_sums_to_the_balance_change(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings
) -> None:
    member, creator = await create_user(client), await create_user(client)
    holder = await create_holder(client, member)
    character = await create_character(client, member, holder, "Captain Vireo", revenueShareBps=2000)
    video = await create_video(client, db, creator, "a tale", characterIds=[character])  # funding, a charge
    async with db.acquire() as conn:
        await seed_qualified_views(conn, uuid_of(video), 100)
    await credit(db, split_config(settings))
    month = datetime.now(UTC).strftime("%Y-%m")

    url = (await client.execute(VIEWER, {"m": month}, token=creator.token)).data["viewer"]["statementUrl"]
    rows = await download(client, url)
    assert rows[0] == ["statement", creator.id, month]
    assert rows[1] == ["opening_balance_usd", "0.000000"]
    entries = rows[3:-1]
    kinds = [row[1] for row in entries]
    assert "FUNDING" in kinds and "VIEW_REVENUE" in kinds
    assert video in [row[4] for row in entries]
    closing = micros(rows[-1][1])
    assert closing == sum(micros(row[2]) for row in entries) == micros(entries[-1][3])
    async with db.acquire() as conn:
        wallet = await conn.fetchval(
            "SELECT balance_micros FROM ledger_accounts WHERE user_id = $1", uuid_of(creator.id)
        )
    assert closing == wallet

    held = await client.execute(HOLDER, {"id": holder, "m": month}, token=member.token)
    holder_rows = await download(client, held.data["node"]["statementUrl"])
    assert [row[1] for row in holder_rows[3:-1]] == ["VIEW_REVENUE"]
    assert micros(holder_rows[-1][1]) == 100 * 100  # 2000 bps of 500 micros a view

    # Without the signature the file is not served; others may not ask; months are checked.
    unsigned = httpx.URL(url).path
    assert (await client.http.get(unsigned)).status_code == 404
    assert (await client.execute(HOLDER, {"id": holder, "m": month}, token=creator.token)).error_codes() == [
        "FORBIDDEN"
    ]
    bad = await client.execute(VIEWER, {"m": "2026-13"}, token=creator.token)
    assert bad.error_codes() == ["BAD_USER_INPUT"]
    later = await client.execute(VIEWER, {"m": "2999-01"}, token=creator.token)
    assert later.data["viewer"]["statementUrl"] is None


async def test_an_empty_month(client: GraphQLClient, db: asyncpg.Pool) -> None:
    user: Account = await create_user(client)
    url = (await client.execute(VIEWER, {"m": "2020-02"}, token=user.token)).data["viewer"]["statementUrl"]
    rows = await download(client, url)
    assert rows[1:] == [
        ["opening_balance_usd", "0.000000"],
        ["date", "kind", "amount_usd", "balance_usd", "video_id", "memo"],
        ["closing_balance_usd", "0.000000"],
    ]
