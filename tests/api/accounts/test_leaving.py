"""Leaving the platform (RULES §11): exportMyData's archive, and deleteAccount followed by `ledger verify`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from db.ledger_cli import grant, verify
from tests.helpers import (
    Account,
    GraphQLClient,
    create_character,
    create_holder,
    create_user,
    create_video,
    policy,
)
from tests.views_factories import uuid_of

EXPORT = "mutation { exportMyData { url userErrors { code } } }"
DELETE = "mutation($p: String!) { deleteAccount(input: {password: $p}) { deleted userErrors { field code } } }"
LOG_IN = """
mutation($h: String!, $p: String!) { logIn(input: {handleOrEmail: $h, password: $p}) { token userErrors { code } } }
"""
FOLLOW = "mutation($id: ID!) { followUser(userId: $id) { userErrors { code } } }"
LIKE = "mutation($id: ID!) { likeVideo(videoId: $id) { userErrors { code } } }"
COMMENT = "mutation($id: ID!, $b: String!) { addComment(videoId: $id, body: $b) { userErrors { code } } }"
VIDEO = "query($id: ID!) { node(id: $id) { ... on Video { id likeCount commentCount } } }"
USER = "query($id: ID!) { node(id: $id) { ... on User { handle displayName followerCount } } }"
CHECK = 'query { checkRemix(input: {prompt: "@mia_makes dances", characterIds: []}) { characters { name } } }'
CAMEO = (
    """mutation($input: CreateCameoInput!) { createCameo(input: $input) { character { id } userErrors { code } } }"""
)


async def fetch(client: GraphQLClient, url: str) -> tuple[int, bytes]:
    parts = urlsplit(url)
    response = await client.http.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    return response.status_code, response.content


async def social_life(client: GraphQLClient, db: asyncpg.Pool) -> tuple[Account, Account, str, str]:
    """Mia with a cameo, a published video, a comment and a like on Leo's video, following each other."""
    mia = await create_user(client, handle="mia_makes", displayName="Mia Makes")
    leo = await create_user(client, handle="leo_loops")
    cameo = {"aliases": ["Mimi"], "policy": policy()}
    assert (await client.execute(CAMEO, {"input": cameo}, token=mia.token)).data["createCameo"]["userErrors"] == []
    mine = await create_video(client, db, mia, "a quiet forest")
    leos = await create_video(client, db, leo, "a loud city")
    for account, other in ((mia, leo), (leo, mia)):
        await client.execute(FOLLOW, {"id": other.id}, token=account.token)
    await client.execute(LIKE, {"id": leos}, token=mia.token)
    await client.execute(COMMENT, {"id": leos, "b": "love it"}, token=mia.token)
    return mia, leo, mine, leos


async def test_export_my_data_is_a_signed_json_archive(client: GraphQLClient, db: asyncpg.Pool) -> None:
    mia, _, _, leos = await social_life(client, db)
    assert (await client.execute(EXPORT)).error_codes() == ["UNAUTHENTICATED"]
    payload = (await client.execute(EXPORT, token=mia.token)).data["exportMyData"]
    assert payload["userErrors"] == [] and "signature=" in payload["url"]
    status, body = await fetch(client, payload["url"])
    assert status == 200
    archive: dict[str, Any] = json.loads(body)
    assert archive["profile"]["handle"] == "mia_makes" and archive["profile"]["displayName"] == "Mia Makes"
    assert archive["profile"]["email"].endswith("@example.com")
    assert [v["prompt"] for v in archive["videos"]] == ["a quiet forest"]
    assert [c["body"] for c in archive["comments"]] == ["love it"]
    assert [k["videoId"] for k in archive["likes"]] == [str(uuid_of(leos))]
    assert archive["following"] == ["leo_loops"] and archive["followers"] == ["leo_loops"]
    assert {h["kind"] for h in archive["holders"]} == {"PERSON"}
    assert sum(e["amountMicros"] for e in archive["walletEntries"]) == await db.fetchval(
        "SELECT balance_micros FROM ledger_accounts WHERE user_id = $1", uuid_of(mia.id)
    )
    assert archive["earnings"] == []
    # Not public: without the signature the archive is not served.
    assert (await fetch(client, payload["url"].split("?")[0]))[0] == 404


async def test_a_wrong_password_deletes_nothing(client: GraphQLClient, db: asyncpg.Pool) -> None:
    mia, _, mine, _ = await social_life(client, db)
    refused = (await client.execute(DELETE, {"p": "not my password"}, token=mia.token)).data["deleteAccount"]
    assert refused == {"deleted": False, "userErrors": [{"field": ["input", "password"], "code": "INVALID"}]}
    assert (await client.execute(VIDEO, {"id": mine})).data["node"] is not None
    assert (await client.execute(LOG_IN, {"h": "mia_makes", "p": mia.password})).data["logIn"]["token"]
    assert (await client.execute(DELETE, {"p": "x"})).error_codes() == ["UNAUTHENTICATED"]


async def test_a_deleted_account_leaves_every_surface_and_the_ledger_verifies(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    mia, leo, mine, leos = await social_life(client, db)
    ava = await create_user(client, handle="ava")
    await create_character(client, ava, await create_holder(client, ava), "Captain Nova", generationFee="0.1")
    async with db.acquire() as conn:
        await grant(conn, handle="mia_makes", amount_micros=2_000_000)
    paid = await create_video(client, db, mia, "Captain Nova waves", publish=False)

    deleted = (await client.execute(DELETE, {"p": mia.password}, token=mia.token)).data["deleteAccount"]
    assert deleted == {"deleted": True, "userErrors": []}

    # Signed out everywhere, and never again signed in.
    assert (await client.execute(EXPORT, token=mia.token)).error_codes() == ["UNAUTHENTICATED"]
    assert (await client.execute(LOG_IN, {"h": "mia_makes", "p": mia.password})).data["logIn"]["token"] is None
    # Her videos are gone for everyone, her traces on Leo's video too, and the counts agree.
    for video in (mine, paid):
        assert (await client.execute(VIDEO, {"id": video}, token=leo.token)).data["node"] is None
    assert (await client.execute(VIDEO, {"id": leos})).data["node"] == {"id": leos, "likeCount": 0, "commentCount": 0}
    user = (await client.execute(USER, {"id": mia.id})).data["node"]
    assert user["handle"].startswith("deleted_") and user["displayName"] == "Deleted account"
    assert (await client.execute(USER, {"id": leo.id})).data["node"]["followerCount"] == 0
    # Her likeness is no longer detected, nor her personal data kept.
    assert (await client.execute(CHECK, token=leo.token)).data["checkRemix"]["characters"] == []
    row = await db.fetchrow("SELECT email, deleted_at FROM users WHERE id = $1", uuid_of(mia.id))
    assert row["email"].endswith("@deleted.invalid") and row["deleted_at"] is not None
    assert await db.fetchval("SELECT count(*) FROM character_aliases a JOIN characters c ON c.id = a.character_id "
                             "WHERE c.kind = 'CAMEO'") == 0  # fmt: skip
    # Ledger entries stay with the anonymised account: every balance still verifies.
    async with db.acquire() as conn:
        assert await verify(conn) == []
    assert await db.fetchval("SELECT count(*) FROM ledger_accounts WHERE user_id = $1", uuid_of(mia.id)) == 1
    again = await client.execute(DELETE, {"p": mia.password}, token=mia.token)
    assert again.error_codes() == ["UNAUTHENTICATED"]
