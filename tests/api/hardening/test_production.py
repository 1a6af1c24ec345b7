"""Production mode closes introspection, suggestions and GraphiQL; development keeps them.
GraphiQL's page and assets come from this server under a Content-Security-Policy, and every
response carries the security headers."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from tests.api.hardening.conftest import MakeApp, client_of
from tests.helpers import GraphQLClient

INTROSPECTION = ["{ __schema { types { name } } }", '{ __type(name: "User") { fields { name } } }']
TYPO = "{ viewr { user { id } } }"
GRAPHIQL_DIR = Path(__file__).resolve().parents[3] / "api" / "static" / "graphiql"
HTML = {"Accept": "text/html"}


@pytest.mark.parametrize("query", INTROSPECTION)
async def test_production_refuses_introspection(make_app: MakeApp, query: str) -> None:
    async with make_app(environment="production") as app:
        result = await client_of(app).execute(query)
    assert result.body["data"] is None
    assert "introspection" in result.errors[0]["message"].lower()


@pytest.mark.parametrize("query", INTROSPECTION)
async def test_development_allows_introspection(client: GraphQLClient, query: str) -> None:
    assert (await client.execute(query)).errors == []


async def test_typename_stays_open_in_production(make_app: MakeApp) -> None:
    async with make_app(environment="production") as app:
        assert (await client_of(app).execute("{ __typename }")).data == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (TYPO, None),  # field
        ('{ user(handel: "x") { id } }', None),  # argument
        ("query($i: SignUpInputt!) { __typename }", None),  # type
        ('{ user(handle: "x") { ... on Usr { id } } }', None),  # fragment type
        (
            "mutation($i: SignUpInput!) { signUp(input: $i) { token } }",
            {"i": {"handel": "x", "displayName": "x", "email": "x@example.com", "password": "long enough pw"}},
        ),  # input field, at execution
    ],
)
async def test_production_gives_no_suggestions(
    client: GraphQLClient, make_app: MakeApp, query: str, variables: dict[str, object] | None
) -> None:
    development = await client.execute(query, variables)
    assert "Did you mean" in str(development.errors)  # the case is one that suggests
    async with make_app(environment="production") as app:
        production = await client_of(app).execute(query, variables)
    assert production.errors and "Did you mean" not in str(production.errors)


async def test_production_serves_no_graphiql(make_app: MakeApp) -> None:
    async with make_app(environment="production") as app:
        client = client_of(app)
        assert (await client.http.get("/graphql", headers=HTML)).status_code == 404
        assert (await client.http.get("/graphiql/graphiql.min.js")).status_code == 404


async def test_graphiql_is_served_locally_under_a_csp(client: GraphQLClient) -> None:
    page = await client.http.get("/graphql", headers=HTML)
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert "<script>" not in page.text  # no inline script, so none needs to be allowed
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/graphiql/") for source in sources)  # nothing from a CDN
    for source, integrity in re.findall(r'(?:src|href)="([^"]+)"\s+integrity="sha384-([^"]+)"', page.text):
        asset = await client.http.get(source)
        assert asset.status_code == 200, source
        assert base64.b64encode(hashlib.sha384(asset.content).digest()).decode() == integrity, source
    for source in sources:
        assert (await client.http.get(source)).status_code == 200, source
    assert (GRAPHIQL_DIR / "licenses" / "graphiql.LICENSE").read_text().startswith("MIT License")


@pytest.mark.parametrize("path", ["/graphql", "/healthz", "/readyz", "/metrics", "/nowhere", "/graphiql/index.html"])
async def test_security_headers_on_every_response(client: GraphQLClient, path: str) -> None:
    response = await client.http.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_security_headers_on_graphql_answers_and_refusals(client: GraphQLClient) -> None:
    answered = await client.http.post("/graphql", json={"query": "{ __typename }"})
    refused = await client.http.post("/graphql", content=b"x", headers={"content-type": "text/plain"})
    for response in (answered, refused):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
