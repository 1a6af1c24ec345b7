"""Bad input is never a server error: NUL and lone surrogates, oversized bodies, wrong content types,
invalid JSON and requests past their deadline are each refused, and nothing is written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.api.hardening.conftest import MakeApp, client_of
from tests.helpers import CREATE_REMIX, SIGN_UP, GraphQLClient, create_user

WAITING = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
REMIX = "mutation($i: RemixInput!) { createRemix(input: $i) { video { id } userErrors { code } } }"


async def counts(db: asyncpg.Pool) -> tuple[int, int]:
    return await db.fetchval("SELECT count(*) FROM users"), await db.fetchval("SELECT count(*) FROM videos")


async def funded_creator(client: GraphQLClient, db: asyncpg.Pool) -> str:
    from db.ledger_cli import grant

    account = await create_user(client)
    async with db.acquire() as conn:
        await grant(conn, handle=account.handle, amount_micros=10_000_000)
    return account.token


async def test_nul_in_a_variable_is_bad_user_input_and_writes_nothing(client: GraphQLClient, db: asyncpg.Pool) -> None:
    token = await funded_creator(client, db)
    before = await counts(db)
    result = await client.execute(CREATE_REMIX, {"input": {"prompt": "a\x00b", "characterIds": []}}, token=token)
    assert result.status == 400 and result.error_codes() == ["BAD_USER_INPUT"]
    assert await counts(db) == before
    fine = await client.execute(CREATE_REMIX, {"input": {"prompt": "a forest", "characterIds": []}}, token=token)
    assert fine.data["createRemix"]["userErrors"] == []


@pytest.mark.parametrize("escape", [b"\\ud800", b"\\udfff", b"x\\ud83d"])
async def test_a_lone_surrogate_is_bad_user_input(client: GraphQLClient, db: asyncpg.Pool, escape: bytes) -> None:
    token = await funded_creator(client, db)
    before = await counts(db)
    body = b'{"query": "%s", "variables": {"i": {"prompt": "a%sb", "characterIds": []}}}' % (
        REMIX.replace('"', '\\"').encode(),
        escape,
    )
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    response = await client.http.post("/graphql", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await counts(db) == before


async def test_a_surrogate_pair_is_fine(client: GraphQLClient, db: asyncpg.Pool) -> None:
    token = await funded_creator(client, db)
    result = await client.execute(CREATE_REMIX, {"input": {"prompt": "a 😀 party", "characterIds": []}}, token=token)
    assert result.data["createRemix"]["userErrors"] == []


async def test_nul_in_a_query_literal_is_a_validation_error(client: GraphQLClient, db: asyncpg.Pool) -> None:
    result = await client.execute(
        'mutation { signUp(input: {handle: "a\\u0000b", displayName: "x", email: "a@b.co", '
        'password: "long enough pw"}) { token } }'
    )
    assert result.error_codes() == ["BAD_USER_INPUT"]
    assert await counts(db) == (0, 0)


async def test_nul_in_a_raw_utf8_body_is_refused(client: GraphQLClient, db: asyncpg.Pool) -> None:
    # A raw 0x00 byte inside a JSON string is invalid JSON; invalid UTF-8 too.
    for body in (b'{"query": "{ __typename }\x00"}', b'{"query": "{ __typename }\xff"}'):
        response = await client.http.post("/graphql", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, body


@pytest.mark.parametrize(
    "body",
    [b"{bad", b'"a string"', b"42", b"null", b'{"query": 5}', b'{"query": "{ __typename }", "variables": "x"}', b""],
)
async def test_invalid_json_is_400(client: GraphQLClient, body: bytes) -> None:
    response = await client.http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
)
async def test_other_content_types_are_415_and_run_nothing(
    client: GraphQLClient, db: asyncpg.Pool, content_type: str | None
) -> None:
    values = {"handle": "formpost", "displayName": "F", "email": "f@example.com", "password": "long enough pw"}
    import orjson

    body = orjson.dumps({"query": SIGN_UP, "variables": {"input": values}})
    headers = {"content-type": content_type} if content_type else {}
    response = await client.http.post("/graphql", content=body, headers=headers)
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert await counts(db) == (0, 0)


async def test_json_with_a_charset_is_fine(client: GraphQLClient) -> None:
    headers = {"content-type": "application/json; charset=utf-8"}
    response = await client.http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 200 and response.json()["data"] == {"__typename": "Query"}


def padded(size: int) -> bytes:
    """A valid GraphQL request of exactly `size` bytes (the padding is a GraphQL comment)."""
    head, tail = b'{"query": "{ __typename } #', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


async def test_body_size_limit_at_its_edge(make_app: MakeApp) -> None:
    async with make_app(max_body_bytes=4096) as app:
        client = client_of(app)
        headers = {"content-type": "application/json"}
        at_limit = await client.http.post("/graphql", content=padded(4096), headers=headers)
        assert at_limit.status_code == 200, at_limit.text
        over = await client.http.post("/graphql", content=padded(4097), headers=headers)
        assert over.status_code == 413
        assert over.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_streamed_body_is_cut_off_at_the_limit(make_app: MakeApp) -> None:
    """No Content-Length (chunked): the guard counts the bytes as they come and stops reading."""
    read: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            read.append(1)
            yield b" " * 1024

    async with make_app(max_body_bytes=4096) as app:
        client = client_of(app)
        response = await client.http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
        assert response.status_code == 413
        assert len(read) <= 6  # stopped soon after 4 KiB, not after the 100 KiB offered


async def test_a_huge_body_is_refused_by_its_length_alone(client: GraphQLClient) -> None:
    body = padded(10_000_000)
    response = await client.http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_a_request_past_its_deadline_is_an_error_and_frees_its_connection(
    make_app: MakeApp, db: asyncpg.Pool
) -> None:
    """A feed query waits on a lock held here; the deadline cancels it, and its connection and
    server-side statement are gone when the answer arrives."""
    async with make_app(request_timeout_seconds=0.5) as app:
        client = client_of(app)
        pool = app.state.services.pool
        async with db.acquire() as holder, holder.transaction():
            await holder.execute("LOCK TABLE videos IN ACCESS EXCLUSIVE MODE")
            response = await client.http.post("/graphql", json={"query": "{ feed(first: 5) { edges { cursor } } }"})
            assert response.status_code == 503
            assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
            for _ in range(50):  # the cancel request reaches the server asynchronously
                if await holder.fetchval(WAITING) == 0:
                    break
                await asyncio.sleep(0.02)
            assert await holder.fetchval(WAITING) == 0
        assert pool.get_idle_size() == pool.get_size()
        after = await client.http.post("/graphql", json={"query": "{ feed(first: 5) { edges { cursor } } }"})
        assert after.status_code == 200 and after.json()["data"] == {"feed": {"edges": []}}
