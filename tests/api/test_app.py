"""The app's shell: node/nodes, limits, error masking, batching, health and readiness probes."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest
from graphql import build_schema, parse, specified_rules, validate
from starlette.applications import Starlette

from api.app import create_app
from api.extensions import PageSizeRule
from api.ids import from_global_id, to_global_id
from db.queries import users
from embedded import free_port
from settings import Settings
from tests.helpers import GraphQLClient, create_user

NODE = "query Node($id: ID!) { node(id: $id) { __typename id ... on User { handle } } }"
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }"


async def test_node_resolves_a_user(client: GraphQLClient) -> None:
    account = await create_user(client, handle="alice")
    node = (await client.execute(NODE, {"id": account.id})).data["node"]
    assert node == {"__typename": "User", "id": account.id, "handle": "alice"}


@pytest.mark.parametrize(
    "global_id",
    [
        "garbage",
        "",
        "!!!",
        to_global_id("User", uuid.uuid4()),  # unknown
        to_global_id("Spaceship", uuid.uuid4()),  # no such type
        "VXNlcjpub3QtYS11dWlk",  # "User:not-a-uuid"
    ],
)
async def test_node_is_null_for_unknown_or_malformed_ids(client: GraphQLClient, global_id: str) -> None:
    result = await client.execute(NODE, {"id": global_id})
    assert result.errors == [] and result.data == {"node": None}


async def test_nodes_keeps_order_and_nulls(client: GraphQLClient) -> None:
    alice = await create_user(client, handle="alice")
    bob = await create_user(client, handle="bob")
    ids = [bob.id, "garbage", alice.id, to_global_id("User", uuid.uuid4())]
    assert (await client.execute(NODES, {"ids": ids})).data["nodes"] == [{"id": bob.id}, None, {"id": alice.id}, None]


async def test_wrong_type_id_is_null(client: GraphQLClient) -> None:
    account = await create_user(client)
    decoded = from_global_id(account.id)
    assert decoded is not None
    wrong_type = to_global_id("Character", decoded[1])  # the user's uuid presented as another type
    assert (await client.execute(NODE, {"id": wrong_type})).data == {"node": None}


async def test_depth_limit(client: GraphQLClient) -> None:
    deep = "{ viewer " + "{ user " * 12 + "{ id }" + " }" * 12 + " }"
    result = await client.execute(deep)
    assert result.errors and "depth" in result.errors[0]["message"]
    shallow = await client.execute("{ viewer { user { id } } }")
    assert shallow.errors == []


async def test_alias_limit(client: GraphQLClient) -> None:
    fields = " ".join(f"a{i}: __typename" for i in range(31))
    assert (await client.execute("{ " + fields + " }")).errors
    fields = " ".join(f"a{i}: __typename" for i in range(30))
    assert (await client.execute("{ " + fields + " }")).errors == []


async def test_token_limit(client: GraphQLClient) -> None:
    result = await client.execute("{ " + "__typename " * 5001 + "}")
    assert result.errors and "token" in result.errors[0]["message"].lower()


def test_first_above_100_is_a_validation_error() -> None:
    sdl = "type Query { items(first: Int): [Int] }"
    test_schema = build_schema(sdl)
    rules = [*specified_rules, PageSizeRule]
    assert validate(test_schema, parse("{ items(first: 100) }"), rules) == []
    (error,) = validate(test_schema, parse("{ items(first: 101) }"), rules)
    assert "at most 100" in error.message


async def test_http_batching_is_off(client: GraphQLClient) -> None:
    response = await client.http.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400


async def test_graphiql_in_a_browser(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_unexpected_errors_are_masked_and_logged_with_a_request_id(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(users, "get_user_by_handle", broken)
    with caplog.at_level(logging.ERROR, logger="fanreel.api"):
        result = await client.execute('{ user(handle: "alice") { id } }')
    (error,) = result.errors
    assert error["message"] == "Internal server error"
    assert "secret" not in str(result.body)
    request_id = error["extensions"]["requestId"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and "SELECT secret" in str(logged[0].exc_info[1] if logged[0].exc_info else "")


async def test_healthz_and_readyz(client: GraphQLClient) -> None:
    assert (await client.http.get("/healthz")).status_code == 200
    ready = await client.http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok", "postgres": "ok", "redis": "ok"}


async def test_readyz_is_503_when_redis_is_unreachable(settings: Settings) -> None:
    unreachable = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    app: Starlette = create_app(unreachable)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "postgres": "ok", "redis": "unavailable"}


async def test_a_client_gone_before_its_body_was_read_is_no_server_error(
    app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}  # the client closed the connection mid-request

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    with caplog.at_level(logging.ERROR):
        await app(scope, receive, send)  # raises if the disconnect escapes as a server error
    assert sent[0]["status"] == 499
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
