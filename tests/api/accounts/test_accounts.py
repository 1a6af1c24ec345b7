"""Sign-up, log-in, log-out and every refusal, through the GraphQL endpoint."""

from __future__ import annotations

import asyncpg
import pytest

from tests.helpers import SIGN_UP, GraphQLClient, create_user

LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) { token user { id handle } userErrors { field code message } }
}
"""
LOG_OUT = "mutation { logOut }"
VIEWER = "{ viewer { user { id handle displayName followerCount followingCount viewerFollows createdAt } } }"
USER = "query User($handle: String!) { user(handle: $handle) { id handle viewerFollows } }"


def sign_up_input(**overrides: str) -> dict[str, str]:
    return {
        "handle": "alice",
        "displayName": "Alice",
        "email": "alice@example.com",
        "password": "correct horse battery",
    } | overrides


async def count_users(db_pool: asyncpg.Pool) -> int:
    count: int = await db_pool.fetchval("SELECT count(*) FROM users")
    return count


async def test_sign_up_returns_a_working_token(client: GraphQLClient) -> None:
    result = await client.execute(SIGN_UP, {"input": sign_up_input(handle="Alice_1")})
    payload = result.data["signUp"]
    assert payload["userErrors"] == []
    assert payload["user"]["handle"] == "alice_1"
    viewer = (await client.execute(VIEWER, token=payload["token"])).data["viewer"]["user"]
    assert viewer["id"] == payload["user"]["id"]
    assert viewer["createdAt"].endswith("Z")
    assert (viewer["followerCount"], viewer["followingCount"], viewer["viewerFollows"]) == (0, 0, False)


async def test_signed_out_viewer_is_null(client: GraphQLClient) -> None:
    assert (await client.execute(VIEWER)).data == {"viewer": None}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"handle": "ab"}, "handle"),
        ({"handle": "a" * 31}, "handle"),
        ({"handle": "bad-handle"}, "handle"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"displayName": "   "}, "displayName"),
    ],
)
async def test_sign_up_refuses_bad_input(
    client: GraphQLClient, db_pool: asyncpg.Pool, overrides: dict[str, str], field: str
) -> None:
    payload = (await client.execute(SIGN_UP, {"input": sign_up_input(**overrides)})).data["signUp"]
    assert payload["token"] is None and payload["user"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INVALID", ["input", field])]
    assert await count_users(db_pool) == 0


async def test_sign_up_reports_every_bad_field_at_once(client: GraphQLClient) -> None:
    values = sign_up_input(handle="x", email="nope", password="123")
    payload = (await client.execute(SIGN_UP, {"input": values})).data["signUp"]
    assert sorted(e["field"][1] for e in payload["userErrors"]) == ["email", "handle", "password"]


async def test_handle_taken_in_another_case(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    await create_user(client, handle="alice")
    payload = (await client.execute(SIGN_UP, {"input": sign_up_input(handle="ALICE", email="b@example.com")})).data
    assert [(e["code"], e["field"]) for e in payload["signUp"]["userErrors"]] == [("TAKEN", ["input", "handle"])]
    assert await count_users(db_pool) == 1


async def test_email_taken_in_another_case(client: GraphQLClient) -> None:
    await create_user(client, email="alice@example.com")
    values = sign_up_input(handle="other", email="ALICE@example.com")
    payload = (await client.execute(SIGN_UP, {"input": values})).data["signUp"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("TAKEN", ["input", "email"])]


async def test_password_is_stored_as_argon2id(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    await create_user(client, handle="alice", password="correct horse battery")
    stored = await db_pool.fetchval("SELECT password_hash FROM users")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    token_row = await db_pool.fetchrow("SELECT token_hash, expires_at - created_at AS ttl FROM auth_tokens")
    assert len(token_row["token_hash"]) == 32 and token_row["ttl"].days == 30


@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.com", "Alice@Example.com"])
async def test_log_in_by_handle_or_email(client: GraphQLClient, login: str) -> None:
    account = await create_user(client, handle="alice", email="alice@example.com")
    payload = (await client.execute(LOG_IN, {"input": {"handleOrEmail": login, "password": account.password}})).data
    assert payload["logIn"]["user"]["id"] == account.id
    me = await client.execute(VIEWER, token=payload["logIn"]["token"])
    assert me.data["viewer"]["user"]["handle"] == "alice"


async def test_wrong_password_and_unknown_user_get_one_identical_error(client: GraphQLClient) -> None:
    await create_user(client, handle="alice")
    wrong = (await client.execute(LOG_IN, {"input": {"handleOrEmail": "alice", "password": "wrong password!"}})).data
    unknown = (await client.execute(LOG_IN, {"input": {"handleOrEmail": "nobody", "password": "whatever123"}})).data
    assert wrong == unknown
    assert wrong["logIn"]["token"] is None
    assert [e["code"] for e in wrong["logIn"]["userErrors"]] == ["INVALID"]


async def test_log_out_revokes_only_that_token(client: GraphQLClient) -> None:
    account = await create_user(client, handle="alice")
    second = await client.execute(LOG_IN, {"input": {"handleOrEmail": "alice", "password": account.password}})
    second_token = second.data["logIn"]["token"]
    assert (await client.execute(LOG_OUT, token=account.token)).data == {"logOut": True}
    revoked = await client.execute(VIEWER, token=account.token)
    assert revoked.error_codes() == ["UNAUTHENTICATED"]
    assert (await client.execute(LOG_OUT, token=account.token)).error_codes() == ["UNAUTHENTICATED"]
    assert (await client.execute(VIEWER, token=second_token)).data["viewer"]["user"]["handle"] == "alice"


async def test_log_out_signed_out_is_unauthenticated(client: GraphQLClient) -> None:
    assert (await client.execute(LOG_OUT)).error_codes() == ["UNAUTHENTICATED"]


async def test_expired_token_is_unauthenticated(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    account = await create_user(client)
    await db_pool.execute("UPDATE auth_tokens SET expires_at = now() - interval '1 second'")
    assert (await client.execute(VIEWER, token=account.token)).error_codes() == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic abc", "garbage"])
async def test_bad_credentials_are_unauthenticated(client: GraphQLClient, header: str) -> None:
    result = await client.execute(VIEWER, headers={"Authorization": header})
    assert result.error_codes() == ["UNAUTHENTICATED"]


async def test_user_by_handle(client: GraphQLClient) -> None:
    account = await create_user(client, handle="alice")
    assert (await client.execute(USER, {"handle": "ALICE"})).data["user"]["id"] == account.id
    assert (await client.execute(USER, {"handle": "nobody"})).data == {"user": None}
