"""activity and characterActivity over a real WebSocket (graphql-transport-ws) against a running
uvicorn; events come from a separate producer (record + publish, as a worker does) and from a real
arq worker."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import websockets
from redis.asyncio import Redis
from websockets.typing import Subprotocol

from api.ids import to_global_id
from domain.activity import ActivityKind
from settings import Settings
from tests.api.activity.support import init, produce, raw, receive, subscribe, until_subscribed
from tests.helpers import GraphQLClient, create_character, create_holder, create_user
from workers import keys
from workers.settings import worker_settings
from workers.worker import Worker

ACTIVITY = "subscription { activity { id kind read video { id } character { id } actor { handle } } }"
CHARACTER_ACTIVITY = "subscription($id: ID!) { characterActivity(characterId: $id) { id kind } }"
INBOX = "{ viewer { activity { edges { node { id } } } } }"
CREATE = """
mutation($characterIds: [ID!]!) {
  createRemix(input: {prompt: "a kite over the sea", characterIds: $characterIds, durationSeconds: 1}) {
    video { id } userErrors { code message }
  }
}
"""


def connect(url: str) -> Any:
    return websockets.connect(url, subprotocols=[Subprotocol("graphql-transport-ws")])


def error_codes(message: dict[str, Any]) -> list[str]:
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    return [error.get("extensions", {}).get("code") for error in errors]


async def test_a_producers_event_reaches_the_recipients_inbox_live(
    live_server: str, client: GraphQLClient, db_pool: asyncpg.Pool, redis: Redis
) -> None:
    fan, follower = await create_user(client), await create_user(client, handle="newfan")
    async with connect(live_server) as ws:
        await init(ws, fan.token)
        await subscribe(ws, "1", ACTIVITY)
        await until_subscribed(redis, keys.activity_inbox_channel(raw(fan.id)))

        await produce(db_pool, redis, kind=ActivityKind.NEW_FOLLOWER, actor_id=raw(follower.id), users=[raw(fan.id)])
        message = await receive(ws)

    (edge,) = (await client.execute(INBOX, token=fan.token)).data["viewer"]["activity"]["edges"]
    assert message["id"] == "1"
    assert message["payload"]["data"]["activity"] == {
        "id": edge["node"]["id"],
        "kind": "NEW_FOLLOWER",
        "read": False,
        "video": None,
        "character": None,
        "actor": {"handle": "newfan"},
    }


async def test_a_worker_drafting_a_video_reaches_the_creator_and_the_holders_members(
    live_server: str, client: GraphQLClient, redis: Redis, settings: Settings
) -> None:
    owner, fan = await create_user(client), await create_user(client)
    kestrel = await create_character(client, owner, await create_holder(client, owner), "Kestrel")
    created = (await client.execute(CREATE, {"characterIds": [kestrel]}, token=fan.token)).data["createRemix"]
    assert created["userErrors"] == []
    async with connect(live_server) as fan_ws, connect(live_server) as owner_ws:
        await init(fan_ws, fan.token)
        await subscribe(fan_ws, "inbox", ACTIVITY)
        await init(owner_ws, owner.token)
        await subscribe(owner_ws, "kestrel", CHARACTER_ACTIVITY, {"id": kestrel})
        await until_subscribed(redis, keys.activity_inbox_channel(raw(fan.id)))
        await until_subscribed(redis, keys.character_activity_channel(raw(kestrel)))

        worker = Worker(
            **worker_settings(settings.model_copy(update={"generator": "noop"})), burst=True, handle_signals=False
        )
        try:
            await worker.main()
        finally:
            await worker.close()
        to_fan, to_owner = await receive(fan_ws), await receive(owner_ws)

    assert to_fan["payload"]["data"]["activity"]["kind"] == "VIDEO_DRAFTED"
    assert to_fan["payload"]["data"]["activity"]["video"] == created["video"]
    assert to_owner["payload"]["data"]["characterActivity"]["kind"] == "VIDEO_DRAFTED"


async def test_members_see_every_event_on_a_character_and_followers_only_publications(
    live_server: str, client: GraphQLClient, db_pool: asyncpg.Pool, redis: Redis
) -> None:
    owner, follower = await create_user(client), await create_user(client)
    kestrel = await create_character(client, owner, await create_holder(client, owner), "Kestrel")
    await db_pool.execute(
        "INSERT INTO character_follows (character_id, user_id) VALUES ($1, $2)", raw(kestrel), raw(follower.id)
    )
    async with connect(live_server) as owner_ws, connect(live_server) as follower_ws:
        for ws, account in ((owner_ws, owner), (follower_ws, follower)):
            await init(ws, account.token)
            await subscribe(ws, "1", CHARACTER_ACTIVITY, {"id": kestrel})
        await until_subscribed(redis, keys.character_activity_channel(raw(kestrel)), 2)

        about = {"character_id": raw(kestrel), "members_of_holders_of": [raw(kestrel)], "followers_of": [raw(kestrel)]}
        # The follower is the video's creator here: they get a row of the draft in their inbox, but a
        # follower's view of the character shows publications only.
        await produce(db_pool, redis, kind=ActivityKind.VIDEO_DRAFTED, users=[raw(follower.id)], **about)
        await produce(db_pool, redis, kind=ActivityKind.VIDEO_LIKED, **about)  # followers_of is ignored
        await produce(db_pool, redis, kind=ActivityKind.VIDEO_PUBLISHED, **about)
        to_owner = [(await receive(owner_ws))["payload"]["data"]["characterActivity"]["kind"] for _ in range(3)]
        to_follower = (await receive(follower_ws))["payload"]["data"]["characterActivity"]["kind"]

    assert to_owner == ["VIDEO_DRAFTED", "VIDEO_LIKED", "VIDEO_PUBLISHED"]
    assert to_follower == "VIDEO_PUBLISHED"


async def test_strangers_may_not_follow_a_characters_activity(live_server: str, client: GraphQLClient) -> None:
    owner, stranger = await create_user(client), await create_user(client)
    kestrel = await create_character(client, owner, await create_holder(client, owner), "Kestrel")
    async with connect(live_server) as ws:
        await init(ws, stranger.token)
        for op_id, character_id in (("1", kestrel), ("2", "not-an-id"), ("3", to_global_id("User", raw(owner.id)))):
            await subscribe(ws, op_id, CHARACTER_ACTIVITY, {"id": character_id})
            message = await receive(ws)
            assert message["id"] == op_id
            assert error_codes(message) == ["FORBIDDEN"]
            if message["type"] == "next":  # an error raised by the resolver: the operation then completes
                assert await receive(ws) == {"id": op_id, "type": "complete"}


async def test_a_connection_holds_at_most_fifty_subscriptions(
    live_server: str, client: GraphQLClient, db_pool: asyncpg.Pool, redis: Redis
) -> None:
    fan = await create_user(client)
    inbox = keys.activity_inbox_channel(raw(fan.id))
    async with connect(live_server) as ws:
        await init(ws, fan.token)
        for n in range(1, 51):
            await subscribe(ws, str(n), ACTIVITY)
        await until_subscribed(redis, inbox, 50)

        await subscribe(ws, "51", ACTIVITY)
        refused = await receive(ws)
        await ws.send(json.dumps({"id": "1", "type": "complete"}))
        await until_subscribed(redis, inbox, 49)  # completing one closes its pub/sub listener
        await subscribe(ws, "52", ACTIVITY)
        await until_subscribed(redis, inbox, 50)
        await produce(db_pool, redis, kind=ActivityKind.NEW_FOLLOWER, users=[raw(fan.id)])
        delivered = [await receive(ws) for _ in range(50)]

    assert refused["id"] == "51" and refused["type"] == "error"
    assert {message["id"] for message in delivered} == {str(n) for n in range(2, 51)} | {"52"}
    assert {message["payload"]["data"]["activity"]["kind"] for message in delivered} == {"NEW_FOLLOWER"}
