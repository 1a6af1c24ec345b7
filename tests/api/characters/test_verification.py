"""Verified holders (RULES §11): requestVerification, verifyHolder, verificationQueue, `fanreel holder
verify`, and what verification changes: only verified holders' characters are detected and paid."""

from __future__ import annotations

from typing import Any

import asyncpg

from cli import holder_verify
from settings import Settings
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, create_video
from tests.views_factories import uuid_of

REQUEST = """
mutation Request($input: RequestVerificationInput!) {
  requestVerification(input: $input) { holder { id verification } userErrors { field code } }
}
"""
VERIFY = """
mutation Verify($input: VerifyHolderInput!) {
  verifyHolder(input: $input) { holder { id verification } userErrors { field code message } }
}
"""
QUEUE = """
query Queue($first: Int, $after: String) {
  verificationQueue(first: $first, after: $after) {
    edges { cursor node { id name verification verificationEvidence } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
HOLDER = "query H($id: ID!) { node(id: $id) { ... on Holder { verification } } }"
CHECK = """
query Check($input: RemixInput!) {
  checkRemix(input: $input) { decision price { micros } characters { name } }
}
"""
CREATE_REMIX = """
mutation Create($input: RemixInput!) {
  createRemix(input: $input) { video { id characters { name } } userErrors { code } }
}
"""
EVIDENCE = "Trademark registration 123456 and https://example.com/official"


async def operator(client: GraphQLClient, db: asyncpg.Pool, handle: str = "operator1") -> Account:
    account = await create_user(client, handle=handle)
    await db.execute("INSERT INTO operator_grants (user_id) VALUES ($1)", uuid_of(account.id))
    return account


async def status(client: GraphQLClient, holder_id: str) -> str:
    result = await client.execute(HOLDER, {"id": holder_id})
    return str(result.data["node"]["verification"])


async def request(client: GraphQLClient, account: Account, holder_id: str, evidence: str = EVIDENCE) -> Any:
    variables = {"input": {"holderId": holder_id, "evidence": evidence}}
    return await client.execute(REQUEST, variables, token=account.token)


async def decide(client: GraphQLClient, account: Account, holder_id: str, approve: bool) -> Any:
    variables = {"input": {"holderId": holder_id, "approve": approve, "note": "checked"}}
    return await client.execute(VERIFY, variables, token=account.token)


async def test_a_holder_asks_and_an_operator_decides(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava, stranger, op = await create_user(client), await create_user(client), await operator(client, db)
    holder = await create_holder(client, ava, "Northwind", verified=False)
    assert await status(client, holder) == "UNVERIFIED"

    # Refusals first: each leaves the holder as it was.
    assert (await request(client, stranger, holder)).error_codes() == ["FORBIDDEN"]
    short = (await request(client, ava, holder, evidence="trust me")).data["requestVerification"]
    assert short["userErrors"] == [{"field": ["input", "evidence"], "code": "INVALID"}]
    assert (await client.execute(QUEUE, {}, token=op.token)).data["verificationQueue"]["edges"] == []
    assert await status(client, holder) == "UNVERIFIED"

    payload = (await request(client, ava, holder)).data["requestVerification"]
    assert payload == {"holder": {"id": holder, "verification": "PENDING"}, "userErrors": []}
    again = (await request(client, ava, holder)).data["requestVerification"]
    assert again["userErrors"] == [{"field": ["input", "holderId"], "code": "CONFLICT"}]

    # Only operators see the queue and decide.
    assert (await client.execute(QUEUE, {}, token=ava.token)).error_codes() == ["FORBIDDEN"]
    assert (await decide(client, ava, holder, True)).error_codes() == ["FORBIDDEN"]
    assert (await client.execute(QUEUE, {})).error_codes() == ["UNAUTHENTICATED"]
    edges = (await client.execute(QUEUE, {}, token=op.token)).data["verificationQueue"]["edges"]
    assert [e["node"] for e in edges] == [
        {"id": holder, "name": "Northwind", "verification": "PENDING", "verificationEvidence": EVIDENCE}
    ]

    rejected = (await decide(client, op, holder, False)).data["verifyHolder"]
    assert rejected["holder"]["verification"] == "REJECTED"
    twice = (await decide(client, op, holder, False)).data["verifyHolder"]
    assert [e["code"] for e in twice["userErrors"]] == ["CONFLICT"]
    assert await status(client, holder) == "REJECTED"

    assert (await request(client, ava, holder)).data["requestVerification"]["holder"]["verification"] == "PENDING"
    approved = (await decide(client, op, holder, True)).data["verifyHolder"]
    assert approved == {"holder": {"id": holder, "verification": "VERIFIED"}, "userErrors": []}
    assert (await client.execute(QUEUE, {}, token=op.token)).data["verificationQueue"]["edges"] == []


async def test_the_queue_is_oldest_first_and_paginated(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava, op = await create_user(client), await operator(client, db)
    holders = [await create_holder(client, ava, f"Studio {n}", verified=False) for n in range(3)]
    for holder in holders:
        await request(client, ava, holder)
    first = (await client.execute(QUEUE, {"first": 2}, token=op.token)).data["verificationQueue"]
    assert [e["node"]["id"] for e in first["edges"]] == holders[:2] and first["pageInfo"]["hasNextPage"]
    after = {"first": 2, "after": first["pageInfo"]["endCursor"]}
    rest = (await client.execute(QUEUE, after, token=op.token)).data["verificationQueue"]
    assert [e["node"]["id"] for e in rest["edges"]] == holders[2:] and not rest["pageInfo"]["hasNextPage"]


async def test_a_cameo_holder_is_verified_and_cannot_ask(client: GraphQLClient) -> None:
    mia = await create_user(client, handle="mia", displayName="Mia Makes")
    cameo = """mutation { createCameo(input: {aliases: [], policy: {audience: EVERYONE, requiresReview: false,
      allowDerivatives: true, allowCrossovers: true, blockedCoCharacterIds: [], maxRating: R, bannedTerms: [],
      maxDurationSeconds: 60, revenueShareBps: 0, generationFee: "0", onRestrict: KEEP}})
      { character { holder { id verification } } userErrors { code } } }"""
    holder = (await client.execute(cameo, token=mia.token)).data["createCameo"]["character"]["holder"]
    assert holder["verification"] == "VERIFIED"
    refused = (await request(client, mia, holder["id"])).data["requestVerification"]
    assert [e["code"] for e in refused["userErrors"]] == ["CONFLICT"]


async def check(client: GraphQLClient, account: Account, prompt: str, tagged: list[str] | None = None) -> Any:
    variables = {"input": {"prompt": prompt, "characterIds": tagged or [], "durationSeconds": 5}}
    return (await client.execute(CHECK, variables, token=account.token)).data["checkRemix"]


async def test_unverified_characters_are_neither_detected_nor_paid_until_verified(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings
) -> None:
    ava, fan = await create_user(client), await create_user(client)
    holder = await create_holder(client, ava, "Zorblax Inc", verified=False)
    zorblax = await create_character(
        client, ava, holder, "Zorblax", generationFee="0.25", revenueShareBps=2000, audience="OPTED_OUT"
    )
    # Not detected, so its OPTED_OUT refuses nothing; a tag by a non-member does nothing either.
    assert await check(client, fan, "Zorblax dances in the rain") == {
        "decision": "ALLOW", "price": {"micros": "0"}, "characters": []
    }  # fmt: skip
    assert (await check(client, fan, "a dance", [zorblax]))["characters"] == []
    # Its members may tag it; the license pays nothing.
    own = await create_video(client, db, ava, "my own Zorblax", characterIds=[zorblax])
    licenses = await db.fetch("SELECT revenue_share_bps, generation_fee_micros FROM video_licenses")
    assert [tuple(r) for r in licenses] == [(0, 0)] and own

    assert settings.database_url
    assert await holder_verify(settings.database_url, holder) == (0, "Zorblax Inc is VERIFIED")
    assert await status(client, holder) == "VERIFIED"
    assert await check(client, fan, "Zorblax dances in the rain") == {
        "decision": "DENY", "price": {"micros": "250000"}, "characters": [{"name": "Zorblax"}]
    }  # fmt: skip
    await create_character(client, ava, holder, "Mossback", generationFee="0.25", revenueShareBps=2000)
    await create_video(client, db, fan, "Mossback swims")
    licenses = await db.fetch("SELECT revenue_share_bps, generation_fee_micros FROM video_licenses ORDER BY 1")
    assert [tuple(r) for r in licenses] == [(0, 0), (2000, 250_000)]


async def test_holder_verify_refuses_unknown_ids(db: asyncpg.Pool, settings: Settings) -> None:
    assert settings.database_url
    assert await holder_verify(settings.database_url, "nonsense") == (1, "no holder nonsense")
