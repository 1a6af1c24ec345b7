"""Claims on missed characters through GraphQL and real workers (RULES §8), with the worked example."""

from __future__ import annotations

import asyncio

import asyncpg
from arq.connections import ArqRedis

from db.crediting import credit, split_config
from settings import Settings
from tests.api.claims.conftest import (
    CLAIM,
    DISPUTE,
    RESOLVE,
    World,
    balances,
    file_claim,
    run_worker,
    views,
)
from tests.helpers import GraphQLClient
from tests.views_factories import seed_qualified_views, uuid_of

INBOX = "{ viewer { activity(first: 10) { edges { node { kind video { id } character { id } } } } } }"
VIDEO_CLAIMS = """
query V($id: ID!) {
  node(id: $id) { ... on Video { claims { id status } licenses { character { id } revenueShareBps } } }
}
"""


async def kinds(client: GraphQLClient, token: str) -> list[str]:
    data = (await client.execute(INBOX, token=token)).data
    return [edge["node"]["kind"] for edge in data["viewer"]["activity"]["edges"]]


async def test_worked_example_upheld_by_default_splits_held_revenue_as_if_licensed(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings, arq_redis: ArqRedis, world: World
) -> None:
    await views(db, settings, world.video_id, 1000)  # before the claim: 150,000 platform, 350,000 creator
    holder0, wallet0 = await balances(db, world)
    assert holder0 == 0
    filed = await file_claim(client, world)
    assert filed["userErrors"] == []
    claim = filed["claim"]
    assert (claim["kind"], claim["status"], claim["action"]) == ("MISSED_CHARACTER", "OPEN", "ADD_LICENSE")
    assert claim["deadline"] is not None and claim["held"]["micros"] == "0"
    assert "CLAIM_FILED" in await kinds(client, world.creator.token)

    await views(db, settings, world.video_id, 1000)  # during the claim: 500,000 held, nobody paid
    held = (await client.execute(CLAIM, {"id": claim["id"]}, token=world.creator.token)).data["node"]
    assert (held["status"], held["held"]["micros"]) == ("OPEN", "500000")
    assert await balances(db, world) == (0, wallet0)

    await run_worker(settings, days_later=13, enqueue=arq_redis)  # not yet due
    assert (await client.execute(CLAIM, {"id": claim["id"]}, token=world.member.token)).data["node"]["status"] == "OPEN"
    await run_worker(settings, days_later=15, enqueue=arq_redis)
    done = (await client.execute(CLAIM, {"id": claim["id"]}, token=world.member.token)).data["node"]
    assert done["status"] == "UPHELD" and done["resolvedAt"] is not None
    # As if the 2000 bps license had been there since the claim: holder 100,000, creator 250,000.
    assert await balances(db, world) == (100_000, wallet0 + 250_000)
    video = (await client.execute(VIDEO_CLAIMS, {"id": world.video_id}, token=world.creator.token)).data["node"]
    assert video["licenses"] == [{"character": {"id": world.character_id}, "revenueShareBps": 2000}]
    assert video["claims"] == [{"id": claim["id"], "status": "UPHELD"}]
    assert "CLAIM_RESOLVED" in await kinds(client, world.member.token)

    await views(db, settings, world.video_id, 1000)  # after: credited with the new license
    assert await balances(db, world) == (200_000, wallet0 + 500_000)


async def test_disputed_then_released_pays_as_without_the_claim(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings, world: World
) -> None:
    claim_id = (await file_claim(client, world))["claim"]["id"]
    await views(db, settings, world.video_id, 10)
    _, wallet0 = await balances(db, world)
    disputed = await client.execute(
        DISPUTE, {"input": {"claimId": claim_id, "reason": "Original character"}}, token=world.creator.token
    )
    assert disputed.data["disputeClaim"]["claim"]["status"] == "DISPUTED"
    assert "CLAIM_DISPUTED" in await kinds(client, world.member.token)
    resolved = await client.execute(
        RESOLVE, {"input": {"claimId": claim_id, "uphold": False, "response": "Fair"}}, token=world.member.token
    )
    payload = resolved.data["resolveClaim"]
    assert payload["userErrors"] == [] and payload["claim"]["status"] == "RELEASED"
    assert payload["claim"]["response"] == "Fair"
    assert await balances(db, world) == (0, wallet0 + 3500)  # 10 views × 500 less the 30 % platform fee
    again = await client.execute(RESOLVE, {"input": {"claimId": claim_id, "uphold": True}}, token=world.member.token)
    assert [e["code"] for e in again.data["resolveClaim"]["userErrors"]] == ["CONFLICT"]


async def test_disputed_then_expired_releases(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings, arq_redis: ArqRedis, world: World
) -> None:
    claim_id = (await file_claim(client, world))["claim"]["id"]
    await views(db, settings, world.video_id, 4)
    await client.execute(DISPUTE, {"input": {"claimId": claim_id, "reason": "No"}}, token=world.creator.token)
    _, wallet0 = await balances(db, world)
    await run_worker(settings, days_later=15, enqueue=arq_redis)
    node = (await client.execute(CLAIM, {"id": claim_id}, token=world.member.token)).data["node"]
    assert node["status"] == "EXPIRED"
    assert await balances(db, world) == (0, wallet0 + 1400)


async def test_take_down_claim_upheld_takes_the_video_down(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings, arq_redis: ArqRedis, world: World
) -> None:
    claim_id = (await file_claim(client, world, "TAKE_DOWN"))["claim"]["id"]
    await views(db, settings, world.video_id, 2)
    _, wallet0 = await balances(db, world)
    await run_worker(settings, days_later=15, enqueue=arq_redis)
    node = (await client.execute(CLAIM, {"id": claim_id}, token=world.creator.token)).data["node"]
    assert node["status"] == "UPHELD"
    video = (await client.execute(VIDEO_CLAIMS, {"id": world.video_id}, token=world.creator.token)).data["node"]
    assert video["licenses"] == []
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM videos") == "TAKEN_DOWN"
    assert await balances(db, world) == (0, wallet0 + 700)  # views before the takedown were real


async def test_resolving_while_crediting_loses_no_view_and_pays_none_twice(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings, world: World
) -> None:
    claim_id = (await file_claim(client, world))["claim"]["id"]
    await client.execute(DISPUTE, {"input": {"claimId": claim_id, "reason": "No"}}, token=world.creator.token)
    async with db.acquire() as conn:
        await seed_qualified_views(conn, uuid_of(world.video_id), 40)
    _, wallet0 = await balances(db, world)
    release = {"input": {"claimId": claim_id, "uphold": False}}
    _, resolved = await asyncio.gather(
        credit(db, split_config(settings)), client.execute(RESOLVE, release, token=world.member.token)
    )
    assert resolved.data["resolveClaim"]["claim"]["status"] == "RELEASED"
    await credit(db, split_config(settings))  # whatever the resolution made wait
    assert await balances(db, world) == (0, wallet0 + 40 * 350)
