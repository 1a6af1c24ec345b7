"""graphql-cop's checks (github.com/dolevf/graphql-cop, lib/tests/), each sent as graphql-cop sends
it to an app in production mode, and each judged as graphql-cop judges it: all must come out
"not vulnerable"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.api.hardening.conftest import MakeApp

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def production(make_app: MakeApp) -> AsyncIterator[httpx.AsyncClient]:
    async with make_app(environment="production") as app:
        yield client(app)


def client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def graph_query(http: httpx.AsyncClient, payload: str, batch: bool = False) -> httpx.Response:
    """lib/utils.py graph_query: a JSON POST, or ten copies in a batch."""
    data: Any = [{"query": payload}] * 10 if batch else {"query": payload, "operationName": "cop"}
    return await http.post("/graphql", json=data)


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def dig(value: Any, *path: Any) -> Any:
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


async def test_alias_overloading(production: httpx.AsyncClient) -> None:
    aliases = "".join(f"alias{i}:__typename \n" for i in range(101))
    response = await graph_query(production, "query cop { " + aliases + " }")
    assert not dig(json_of(response), "data", "alias100")


async def test_batch_query(production: httpx.AsyncClient) -> None:
    response = await graph_query(production, "query cop { __typename }", batch=True)
    body = json_of(response)
    assert response.status_code == 400 and not (isinstance(body, list) and len(body) >= 10)


async def test_field_duplication(production: httpx.AsyncClient) -> None:
    response = await graph_query(production, "query cop { " + "__typename \n" * 500 + "} ")
    assert not dig(json_of(response), "data", "__typename")
    assert len(json_of(response)["errors"]) == 1


async def test_directive_overloading(production: httpx.AsyncClient) -> None:
    response = await graph_query(production, "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }")
    assert len(json_of(response)["errors"]) != 10
    assert len(json_of(response)["errors"]) == 1


async def test_circular_query_introspection(production: httpx.AsyncClient) -> None:
    nested = "{ fields { type { fields { type { fields { type { fields { type { name } } } } } } } } }"
    query = "query cop { __schema { types " + nested + " } }"
    response = await graph_query(production, query)
    assert not dig(json_of(response), "data", "__schema", "types")


async def test_introspection(production: httpx.AsyncClient) -> None:
    response = await graph_query(production, "query cop { __schema { types { name fields { name } } } }")
    assert not dig(json_of(response), "data", "__schema", "types")


async def test_field_suggestions(production: httpx.AsyncClient) -> None:
    response = await graph_query(production, "query cop { __schema { directive } }")
    messages = " ".join(str(error.get("message")) for error in json_of(response)["errors"])
    assert messages and "Did you mean" not in messages


async def test_graphiql_detection(production: httpx.AsyncClient) -> None:
    response = await production.get("/graphql", headers={"Accept": "text/html"})
    heuristics = ("graphiql.min.css", "GraphQL Playground", "GraphiQL", "graphql-playground")
    assert not any(word in response.text for word in heuristics)


async def test_get_method_support(production: httpx.AsyncClient) -> None:
    response = await production.get("/graphql", params={"query": "query cop {__typename}"})
    assert not dig(json_of(response), "data", "__typename")


async def test_get_based_mutation(production: httpx.AsyncClient) -> None:
    response = await production.get("/graphql", params={"query": "mutation cop {__typename}"})
    assert response.status_code >= 400 and not dig(json_of(response), "data", "__typename")


async def test_post_based_csrf(production: httpx.AsyncClient) -> None:
    response = await production.post("/graphql", data={"query": "query cop { __typename }"})
    assert response.status_code == 415 and not dig(json_of(response), "data", "__typename")


async def test_trace_mode(production: httpx.AsyncClient) -> None:
    body = json_of(await graph_query(production, "query cop { __typename }"))
    assert not dig(body, "errors", 0, "extensions", "tracing")
    assert "'extensions': {'tracing':" not in str(body).lower()


async def test_unhandled_error_detection(production: httpx.AsyncClient) -> None:
    body = json_of(await graph_query(production, "qwerty cop { abc }"))
    assert body["errors"] and not dig(body, "errors", 0, "extensions", "exception")
    assert "'extensions': {'exception':" not in str(body).lower()


async def test_a_legitimate_query_still_works_in_production(production: httpx.AsyncClient) -> None:
    response = await graph_query(production, "query cop { a: __typename b: __typename __typename }")
    assert json_of(response)["data"] == {"a": "Query", "b": "Query", "__typename": "Query"}
