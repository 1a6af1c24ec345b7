"""Views that are hard to fake (RULES §11): registered devices, self-views through a device, the
watchedMs cap, and the per-IP cap on qualified anonymous views."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
import httpx

from api.app import create_app
from settings import Settings
from tests.api.views.test_record_views import RECORD, counts, published, view
from tests.helpers import GraphQLClient, create_user, register_device
from tests.views_factories import new_character, new_holder, uuid_of


async def anonymous(client: GraphQLClient, device: str, *events: dict[str, Any]) -> dict[str, Any]:
    result = await client.execute(RECORD, {"input": list(events)}, headers={"X-Device-Id": device})
    payload: dict[str, Any] = result.data["recordViews"]
    return payload


async def test_a_device_used_by_the_creator_never_qualifies_on_their_videos(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    creator, other = await create_user(client), await create_user(client)
    own, others = await published(db_pool, creator), await published(db_pool, other)
    # Registered while signed in as the creator: tied to them from the start.
    device = await register_device(client, token=creator.token)
    assert counts(await anonymous(client, device, view(own), view(others))) == (2, 0, 1)

    # A device registered signed out is tied to whoever later sends it while signed in.
    second = await register_device(client)
    signed_in = {"X-Device-Id": second}
    await client.execute(RECORD, {"input": [view(others)]}, token=creator.token, headers=signed_in)
    assert counts(await anonymous(client, second, view(own))) == (1, 0, 0)
    # ...but nobody else's device is.
    assert counts(await anonymous(client, await register_device(client), view(own))) == (1, 0, 1)


async def test_a_device_used_by_a_holders_member_never_qualifies_on_its_videos(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    creator, member = await create_user(client), await create_user(client)
    async with db_pool.acquire() as conn:
        holder = await new_holder(conn, uuid_of(member.id))
        character = await new_character(conn, holder, 1000)
    licensed = await published(db_pool, creator, licenses=[(character, 1000)])
    device = await register_device(client, token=member.token)
    assert counts(await anonymous(client, device, view(licensed))) == (1, 0, 0)
    assert counts(await anonymous(client, await register_device(client), view(licensed))) == (1, 0, 1)


async def test_watched_ms_counts_at_most_the_duration_and_a_second(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    video = await published(db_pool, await create_user(client), duration_seconds=5)
    fan = await create_user(client)
    await client.execute(RECORD, {"input": [view(video, watched_ms=2_000_000_000)]}, token=fan.token)
    assert await db_pool.fetchval("SELECT watched_ms FROM view_events") == 6000


@asynccontextmanager
async def app_with_ip_cap(settings: Settings, cap: int) -> AsyncIterator[Any]:
    app = create_app(settings.model_copy(update={"max_qualified_anon_views_per_ip_per_day": cap}))
    async with app.router.lifespan_context(app):
        yield app


def client_at(app: Any, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 4000)), base_url="http://test")


async def test_qualified_anonymous_views_are_capped_per_ip_and_day(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings
) -> None:
    videos: list[UUID] = [await published(db_pool, await create_user(client)) for _ in range(3)]
    fan = await create_user(client)
    async with app_with_ip_cap(settings, 2) as app:
        async with client_at(app, "203.0.113.7") as http:
            same_ip = GraphQLClient(http, db_pool)
            devices = [await register_device(same_ip) for _ in range(3)]
            qualified = [(await anonymous(same_ip, device, view(videos[0])))["qualified"] for device in devices]
            assert qualified == [1, 1, 0]
            # One call with several videos stops at the cap too; signed-in users are not capped by IP.
            assert counts(await anonymous(same_ip, devices[0], view(videos[1]), view(videos[2]))) == (2, 0, 0)
            signed_in = await same_ip.execute(RECORD, {"input": [view(videos[1])]}, token=fan.token)
            assert signed_in.data["recordViews"]["qualified"] == 1
        async with client_at(app, "198.51.100.9") as http:
            other_ip = GraphQLClient(http, db_pool)
            assert (await anonymous(other_ip, devices[2], view(videos[0])))["qualified"] == 1
    assert await db_pool.fetchval("SELECT sum(qualified) FROM anonymous_ip_views") == 3
    # The events over the cap are stored all the same, unqualified.
    assert await db_pool.fetchval("SELECT count(*) FROM view_events WHERE anonymous") == 6


async def test_the_ip_cap_holds_under_concurrent_calls(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings
) -> None:
    video = await published(db_pool, await create_user(client))
    async with app_with_ip_cap(settings, 5) as app, client_at(app, "203.0.113.8") as http:
        same_ip = GraphQLClient(http, db_pool)
        devices = [await register_device(same_ip) for _ in range(20)]
        results = await asyncio.gather(*(anonymous(same_ip, device, view(video)) for device in devices))
    assert sum(r["qualified"] for r in results) == 5
    assert sum(r["accepted"] for r in results) == 20
    assert await db_pool.fetchval("SELECT qualified FROM anonymous_ip_views") == 5
