"""Shared steps of the claims tests: a holder with a character, a creator's published video, views
credited by the real crediting job and deadlines passed by the real cron on a settable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool

from db.crediting import split_config
from db.ledger_cli import checks_for, verify
from settings import Settings
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, create_video
from tests.views_factories import seed_qualified_views, uuid_of
from workers import keys
from workers.settings import worker_settings
from workers.worker import Worker

FILE = """
mutation File($input: FileClaimInput!) {
  fileClaim(input: $input) {
    claim { id kind status action deadline held { micros } video { id status } character { id } }
    userErrors { field code message }
  }
}
"""
DISPUTE = """
mutation Dispute($input: DisputeClaimInput!) {
  disputeClaim(input: $input) { claim { id status response deadline } userErrors { field code message } }
}
"""
RESOLVE = """
mutation Resolve($input: ResolveClaimInput!) {
  resolveClaim(input: $input) { claim { id status response resolvedAt held { micros } } userErrors { field code } }
}
"""
APPEAL = """
mutation Appeal($input: AppealInput!) {
  appeal(input: $input) { claim { id kind status reason deadline video { status } } userErrors { field code } }
}
"""
CLAIM = "query Claim($id: ID!) { node(id: $id) { ... on Claim { id status held { micros } resolvedAt } } }"


@dataclass
class World:
    member: Account
    creator: Account
    holder_id: str
    character_id: str
    video_id: str


@pytest.fixture
async def world(client: GraphQLClient, db: asyncpg.Pool) -> World:
    member, creator = await create_user(client), await create_user(client)
    holder_id = await create_holder(client, member)
    character_id = await create_character(client, member, holder_id, "Captain Vireo", revenueShareBps=2000)
    video_id = await create_video(client, db, creator, "a quiet forest at dawn")
    return World(member, creator, holder_id, character_id, video_id)


@pytest.fixture
async def arq_redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    yield pool
    await pool.aclose()


@pytest.fixture(autouse=True)
async def ledger_verifies(db_pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[None]:
    yield
    async with db_pool.acquire() as conn:
        assert await verify(conn, checks_for(split_config(settings))) == []


async def file_claim(client: GraphQLClient, world: World, action: str = "ADD_LICENSE", **kw: Any) -> dict[str, Any]:
    values = {"videoId": world.video_id, "characterId": world.character_id, "action": action, "reason": "It is him"}
    token = kw.pop("token", world.member.token)
    result = await client.execute(FILE, {"input": values | kw}, token=token)
    payload: dict[str, Any] = result.data["fileClaim"]
    return payload


async def views(db: asyncpg.Pool, settings: Settings, video_id: str, count: int) -> None:
    """`count` qualified views, credited by the crediting job in a real worker."""
    async with db.acquire() as conn:
        await seed_qualified_views(conn, uuid_of(video_id), count)
    await run_worker(settings)


async def run_worker(settings: Settings, *, days_later: float = 0, enqueue: ArqRedis | None = None) -> None:
    """A burst worker (crediting runs at start); with `enqueue`, also the deadline cron's job at a
    clock `days_later` days ahead."""
    options = worker_settings(settings.model_copy(update={"generator": "noop"})) | {"burst": True, "poll_delay": 0.05}
    later = datetime.now(UTC) + timedelta(days=days_later)
    options["ctx"] = options["ctx"] | {"clock": lambda: later}
    if enqueue is not None:
        await enqueue.enqueue_job("resolve_claim_deadlines", _queue_name=keys.QUEUE)
    worker = Worker(**options, handle_signals=False)
    try:
        await worker.main()
    finally:
        await worker.close()


async def balances(db: asyncpg.Pool, world: World) -> tuple[int, int]:
    """(the holder's balance, the creator's wallet)."""
    async with db.acquire() as conn:
        holder = await conn.fetchval(
            "SELECT a.balance_micros + coalesce((SELECT sum(amount_micros) FROM ledger_pending_balances p "
            "WHERE p.account_id = a.id), 0) FROM ledger_accounts a WHERE holder_id = $1",
            uuid_of(world.holder_id),
        )
        wallet = await conn.fetchval(
            "SELECT balance_micros FROM ledger_accounts WHERE user_id = $1", uuid_of(world.creator.id)
        )
    return holder or 0, wallet or 0


async def claim_count(db: asyncpg.Pool) -> int:
    async with db.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM claims")
    return count
