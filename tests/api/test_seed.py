"""`fanreel seed`: demo data through the API's own rules, idempotent, and a populated feed."""

from __future__ import annotations

import asyncpg
from starlette.applications import Starlette

from api.seed import seed
from tests.helpers import GraphQLClient

FEED = "{ feed(first: 10) { edges { node { prompt remixOf { id } comments(first: 5) { edges { node { body } } } } } } }"
LOG_IN = 'mutation { logIn(input: {handleOrEmail: "demo_fan", password: "fanreel-demo-1"}) { token } }'


async def test_seed_is_idempotent_and_fills_the_feed(client: GraphQLClient, app: Starlette, db: asyncpg.Pool) -> None:
    services = app.state.services
    first = await seed(services)
    assert "seeded" in first
    counts = await db.fetchval(
        "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM characters) + (SELECT count(*) FROM videos)"
    )
    assert await seed(services) == "demo data already loaded"
    assert (
        await db.fetchval(
            "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM characters) + (SELECT count(*) FROM videos)"
        )
        == counts
    )
    token = (await client.execute(LOG_IN)).data["logIn"]["token"]
    edges = (await client.execute(FEED, token=token)).data["feed"]["edges"]
    assert len(edges) >= 4
    assert any(edge["node"]["remixOf"] for edge in edges)
    assert any(edge["node"]["comments"]["edges"] for edge in edges)
    assert await db.fetchval("SELECT count(*) FROM videos WHERE status = 'DRAFT'") == 1
