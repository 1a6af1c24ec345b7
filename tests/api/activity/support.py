"""Activity test helpers: a producer that records and announces events the way a mutation or a
worker does, and graphql-transport-ws client steps for the live tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID

import asyncpg
from redis.asyncio import Redis

from api.ids import from_global_id
from db.queries import activity


def raw(global_id: str) -> UUID:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


async def produce(pool: asyncpg.Pool, redis: Redis | None = None, **kwargs: Any) -> activity.Event:
    """Record an event in its own transaction and, given a Redis, announce it after commit."""
    async with pool.acquire() as conn, conn.transaction():
        event = await activity.record(conn, **kwargs)
    if redis is not None:
        await activity.publish(redis, event)
    return event


async def insert_video(pool: asyncpg.Pool, creator_id: UUID, status: str = "PUBLISHED") -> UUID:
    video_id: UUID = await pool.fetchval(
        "INSERT INTO videos (creator_id, prompt, aspect, duration_seconds, rating, status, published_at) "
        "VALUES ($1, 'a kite', 'SQUARE', 5, 'G', $2, CASE WHEN $2 = 'PUBLISHED' THEN now() END) RETURNING id",
        creator_id,
        status,
    )
    return video_id


async def receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return message


async def init(ws: Any, token: str) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
    assert (await receive(ws))["type"] == "connection_ack"


async def subscribe(ws: Any, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))


async def until_subscribed(redis: Redis, channel: str, count: int = 1) -> None:
    """Wait until the server listens on `channel` `count` times, so that nothing published next is missed."""
    for _ in range(500):  # up to 10 s
        ((_, found),) = await redis.pubsub_numsub(channel)
        if found == count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{channel} has {found} listeners, not {count}")
