"""Query cost: computed before execution, refused over the limits (before any resolver), and
reported on every response."""

from __future__ import annotations

import asyncpg

from tests.api.hardening.conftest import MakeApp, client_of
from tests.helpers import SIGN_UP, GraphQLClient, create_user, create_video

KNOWN = """
query Known($handle: String!) {
  user(handle: $handle) {
    handle
    videos(first: 5) { edges { node { id creator { handle } } } pageInfo { hasNextPage } }
  }
}
"""
# user 1 + videos (2 + 5) + 5 × creator 1 = 13 points, 5 nodes; with 3 videos the actual cost is
# user 1 + videos (2 + 3) + 3 × creator 1 = 9.
KNOWN_REQUESTED, KNOWN_ACTUAL = 13, 9
SLOW_RATE = 0.0001  # points a second: no refill worth counting during a test


async def three_videos(client: GraphQLClient, db: asyncpg.Pool) -> str:
    creator = await create_user(client, handle="maker")
    for prompt in ("a forest", "a river", "a hill"):
        await create_video(client, db, creator, prompt)
    return creator.handle


async def test_cost_extension_is_exact_for_a_known_query(
    client: GraphQLClient, db: asyncpg.Pool, make_app: MakeApp
) -> None:
    handle = await three_videos(client, db)
    async with make_app(rate_limit_bucket_size=100, rate_limit_restore_rate=SLOW_RATE) as app:
        result = await client_of(app).execute(KNOWN, {"handle": handle})
    assert len(result.data["user"]["videos"]["edges"]) == 3
    assert result.body["extensions"]["cost"] == {
        "requestedQueryCost": KNOWN_REQUESTED,
        "actualQueryCost": KNOWN_ACTUAL,
        # 13 taken up front, the 4 a short page did not use given back
        "throttleStatus": {"maximumAvailable": 100, "currentlyAvailable": 100 - KNOWN_ACTUAL, "restoreRate": SLOW_RATE},
    }


async def test_every_response_carries_the_cost(client: GraphQLClient) -> None:
    for query in ("{ __typename }", "{ nosuchfield }", "{ user(handle: 1) { id } }"):
        assert "cost" in (await client.execute(query)).body["extensions"], query


async def test_query_cost_limit_at_its_edge(client: GraphQLClient, db: asyncpg.Pool, make_app: MakeApp) -> None:
    handle = await three_videos(client, db)
    async with make_app(max_query_cost=KNOWN_REQUESTED) as app:
        assert (await client_of(app).execute(KNOWN, {"handle": handle})).errors == []
    async with make_app(max_query_cost=KNOWN_REQUESTED - 1) as app:
        refused = await client_of(app).execute(KNOWN, {"handle": handle})
    (error,) = refused.errors
    assert refused.body["data"] is None
    assert error["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": KNOWN_REQUESTED,
        "nodes": 5,
        "maximumCost": KNOWN_REQUESTED - 1,
        "maximumNodes": 500_000,
    }


async def test_a_costly_mutation_is_refused_before_its_resolver_runs(db: asyncpg.Pool, make_app: MakeApp) -> None:
    # signUp 10 + user 1 + userErrors 1 = 12 points
    values = {"handle": "costly", "displayName": "C", "email": "c@example.com", "password": "long enough pw"}
    async with make_app(max_query_cost=11) as app:
        refused = await client_of(app).execute(SIGN_UP, {"input": values})
    assert refused.error_codes() == ["QUERY_TOO_COSTLY"] and refused.errors[0]["extensions"]["cost"] == 12
    assert await db.fetchval("SELECT count(*) FROM users") == 0
    async with make_app(max_query_cost=12) as app:
        accepted = await client_of(app).execute(SIGN_UP, {"input": values})
    assert accepted.data["signUp"]["userErrors"] == []
    assert await db.fetchval("SELECT count(*) FROM users") == 1


async def test_node_limit_at_its_edge_with_first_from_a_variable(make_app: MakeApp) -> None:
    query = 'query($n: Int) { user(handle: "x") { videos(first: $n) { edges { node { id } } } } }'
    async with make_app(max_query_nodes=50) as app:
        client = client_of(app)
        assert (await client.execute(query, {"n": 50})).errors == []
        refused = await client.execute(query, {"n": 51})
    assert refused.error_codes() == ["QUERY_TOO_COSTLY"] and refused.errors[0]["extensions"]["nodes"] == 51


async def test_nested_lists_multiply(client: GraphQLClient) -> None:
    """The outside tester's 100 × 100 × 100 items: a million nodes, refused with the defaults."""
    query = """{ feed(first: 100) { edges { node { comments(first: 100) { edges { node {
        author { videos(first: 100) { edges { node { id } } } } } } } } } } }"""
    result = await client.execute(query)
    (error,) = result.errors
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["nodes"] == 100 + 100 * 100 + 100 * 100 * 100
    # points: 102 + 100 × 102 + 10,000 × (author 1 + 102)
    assert error["extensions"]["cost"] == 102 + 100 * 102 + 10_000 * 103


async def test_missing_first_counts_as_the_default_page(client: GraphQLClient) -> None:
    result = await client.execute('{ user(handle: "x") { videos { edges { node { id } } } } }')
    assert result.body["extensions"]["cost"]["requestedQueryCost"] == 1 + 2 + 20


async def test_fragments_and_aliases_are_counted(client: GraphQLClient) -> None:
    query = """
    query {
      a: user(handle: "x") { ...V }
      b: user(handle: "y") { ... on User { videos(first: 3) { edges { node { id } } } } }
    }
    fragment V on User { videos(first: 4) { edges { node { creator { id } } } } }
    """
    result = await client.execute(query)
    assert result.body["extensions"]["cost"]["requestedQueryCost"] == (1 + 6 + 4) + (1 + 5)


def test_the_limits_leave_the_plain_fields_executor_on() -> None:
    """PlainFieldsExecutor steps aside when an extension hooks `resolve` (middleware): ours don't."""
    from api.schema import schema

    extensions = schema.get_extensions()
    assert {type(e).__name__ for e in extensions} >= {"CostAndRateLimits", "CachedDocuments"}
    assert not schema._get_middleware_manager(extensions).middlewares


async def test_the_same_document_is_priced_by_its_variables_each_time(client: GraphQLClient) -> None:
    """Requested costs are kept per operation and variables: one document with other variables is
    priced anew, and asking again gives the same price."""
    query = 'query($first: Int) { user(handle: "x") { videos(first: $first) { edges { node { id } } } } }'
    costs = [
        (await client.execute(query, {"first": first})).body["extensions"]["cost"]["requestedQueryCost"]
        for first in (3, 30, 3, 30)
    ]
    assert costs == [1 + 2 + 3, 1 + 2 + 30] * 2


async def test_the_actual_cost_prices_each_item_by_the_variables_of_its_request(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    """The price of one item of a page is kept with the operation and its variables: the same
    document with another inner page size is charged for that size."""
    handle = await three_videos(client, db)
    query = """
    query($handle: String!, $n: Int) { user(handle: $handle) {
      videos(first: 5) { edges { node { comments(first: $n) { edges { node { id } } } } } } } }
    """
    costs = [
        (await client.execute(query, {"handle": handle, "n": n})).body["extensions"]["cost"]["actualQueryCost"]
        for n in (2, 5, 2, 5)
    ]
    # user 1 + videos (2 + 3 that came back) + 3 × comments (2 + n)
    assert costs == [1 + 5 + 3 * (2 + 2), 1 + 5 + 3 * (2 + 5)] * 2
