"""Suspensions (RULES §10): a suspended user's content leaves every public path (the paths of
tests/api/safety/visibility.py), their tokens stop working on every path (HTTP, login, device
tokens, WebSocket operations and live subscriptions), and only operators lift a suspension
(`unsuspendUser`), recorded with who and when."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import websockets
from redis.asyncio import Redis

from domain.activity import ActivityKind
from tests.api.activity.support import init, produce, raw, receive, subscribe, until_subscribed
from tests.api.activity.test_subscriptions import connect
from tests.api.safety.test_moderation import moderate, report
from tests.api.safety.visibility import COMMENT, LIKE, scene, seen
from tests.helpers import Account, GraphQLClient, create_user, create_video, device_token, register_device
from workers import keys

UNSUSPEND = """
mutation($input: UnsuspendUserInput!) {
  unsuspendUser(input: $input) {
    user { handle }
    record { action note createdAt operator { handle } }
    userErrors { code field }
  }
}
"""
RECORDS = "query($id: ID!) { node(id: $id) { ... on User { moderationRecords { action note operator { handle } } } } }"
LOG_IN = """
mutation($input: LogInInput!) { logIn(input: $input) { token user { handle } userErrors { code field } } }
"""
VIEWER = "query { viewer { user { handle } } }"
USER = 'query { user(handle: "maker") { id } }'
REMIX = "mutation($input: RemixInput!) { createRemix(input: $input) { video { id } userErrors { code field } } }"
CHECK = "query($input: RemixInput!) { checkRemix(input: $input) { decision } }"
RECORD_VIEWS = "mutation($input: [ViewInput!]!) { recordViews(input: $input) { accepted userErrors { code } } }"
ACTIVITY = "subscription { activity { kind } }"
VIDEO_STATUS = "subscription($id: ID!) { videoStatus(videoId: $id) { status } }"
CREATE = 'mutation { createRemix(input: {prompt: "a red kite", characterIds: []}) { video { id } } }'


async def suspend(client: GraphQLClient, operator: Account, user: Account) -> None:
    """A witness reports the user, and the operator suspends them."""
    witness = await create_user(client)
    made = (await report(client, witness, user.id, "HARASSMENT"))["report"]["id"]
    assert (await moderate(client, operator, made, "SUSPEND_USER")).data["moderate"]["userErrors"] == []


async def unsuspend(client: GraphQLClient, who: Account | None, user_id: str, **extra: Any) -> Any:
    variables = {"input": {"userId": user_id, **extra}}
    return await client.execute(UNSUSPEND, variables, token=who.token if who else None)


async def log_in(client: GraphQLClient, account: Account, password: str | None = None) -> Any:
    variables = {"input": {"handleOrEmail": account.handle, "password": password or account.password}}
    return (await client.execute(LOG_IN, variables)).data["logIn"]


async def test_a_suspended_users_content_leaves_every_public_path_until_lifted(
    client: GraphQLClient, db: asyncpg.Pool, operator: Account
) -> None:
    at = await scene(client, db)
    found = await seen(client, at)
    assert found == dict.fromkeys(found, True)

    await suspend(client, operator, at.maker)
    found = await seen(client, at)
    assert found == dict.fromkeys(found, False)
    # Operators still find the user (to lift the suspension); nobody else does.
    assert (await client.execute(USER, token=operator.token)).data["user"] == {"id": at.maker.id}
    assert (await client.execute(USER, token=at.fan.token)).data["user"] is None

    lifted = (await unsuspend(client, operator, at.maker.id)).data["unsuspendUser"]
    assert lifted["userErrors"] == [] and lifted["user"] == {"handle": "maker"}
    found = await seen(client, at)
    assert found == dict.fromkeys(found, True)


async def test_a_suspended_creators_videos_cannot_be_liked_commented_or_remixed(
    client: GraphQLClient, db: asyncpg.Pool, operator: Account
) -> None:
    fan, maker = await create_user(client, handle="fan"), await create_user(client, handle="maker")
    video = await create_video(client, db, maker, "a dance")
    await suspend(client, operator, maker)
    before = await db.fetchval("SELECT count(*) FROM videos")
    remix = {"input": {"prompt": "again", "characterIds": [], "remixOfId": video}}

    liked = (await client.execute(LIKE, {"id": video}, token=fan.token)).data["likeVideo"]
    commented = (await client.execute(COMMENT, {"id": video, "body": "hi"}, token=fan.token)).data["addComment"]
    remixed = (await client.execute(REMIX, remix, token=fan.token)).data["createRemix"]
    assert liked["userErrors"] == commented["userErrors"] == [{"code": "NOT_FOUND"}]
    assert remixed["userErrors"] == [{"code": "NOT_FOUND", "field": ["input", "remixOfId"]}]
    assert (await client.execute(CHECK, remix, token=fan.token)).error_codes() == ["BAD_USER_INPUT"]
    counts = await db.fetchrow(
        "SELECT (SELECT count(*) FROM video_likes) AS likes, (SELECT count(*) FROM comments) AS comments,"
        " (SELECT count(*) FROM videos) AS videos"
    )
    assert dict(counts) == {"likes": 0, "comments": 0, "videos": before}


async def test_a_suspended_user_cannot_log_in_and_their_tokens_stop_working(
    client: GraphQLClient, db: asyncpg.Pool, operator: Account
) -> None:
    troll = await create_user(client, handle="troll")
    video = await create_video(client, db, await create_user(client), "a kite")
    await suspend(client, operator, troll)
    tokens = await db.fetchval("SELECT count(*) FROM auth_tokens")

    refused = await log_in(client, troll)
    assert refused == {"token": None, "user": None, "userErrors": [{"code": "FORBIDDEN", "field": None}]}
    wrong = await log_in(client, troll, "not the password")  # the suspension is told only to the password's holder
    assert wrong["userErrors"] == [{"code": "INVALID", "field": None}]
    assert await db.fetchval("SELECT count(*) FROM auth_tokens") == tokens  # no token issued

    old = await client.execute(VIEWER, token=troll.token)
    assert old.error_codes() == ["UNAUTHENTICATED"] and old.errors[0]["message"] == "This account is suspended."
    # Device tokens carry no user: with the suspended token they do not fall back to an anonymous viewer.
    views = {"input": [{"videoId": video, "watchedMs": 5000, "clientEventId": "e1"}]}
    with_device = {"X-Device-Id": device_token()}
    for document, variables in [(RECORD_VIEWS, views), ("mutation { registerDevice { deviceToken } }", {})]:
        result = await client.execute(document, variables, token=troll.token, headers=with_device)
        assert result.error_codes() == ["UNAUTHENTICATED"]
    # Nor does anything that hands out signed media URLs.
    assert (await client.execute("mutation { exportMyData { url } }", token=troll.token)).error_codes() == [
        "UNAUTHENTICATED"
    ]
    assert await db.fetchval("SELECT count(*) FROM view_events") == 0

    assert (await unsuspend(client, operator, troll.id)).data["unsuspendUser"]["userErrors"] == []
    assert (await client.execute(VIEWER, token=troll.token)).error_codes() == ["UNAUTHENTICATED"]  # stays revoked
    fresh = await log_in(client, troll)
    assert fresh["userErrors"] == [] and fresh["token"]
    assert (await client.execute(VIEWER, token=fresh["token"])).data["viewer"]["user"] == {"handle": "troll"}
    assert await register_device(client, token=fresh["token"])


async def answer(ws: Any, op_id: str) -> list[dict[str, Any]]:
    """The messages of operation `op_id` until it completes (others' are dropped)."""
    found: list[dict[str, Any]] = []
    while not found or found[-1]["type"] not in ("complete", "error"):
        message = await receive(ws)
        if message.get("id") == op_id:
            found.append(message)
    return found


def codes(messages: list[dict[str, Any]]) -> list[str]:
    errors = [m["payload"] if m["type"] == "error" else m["payload"].get("errors", []) for m in messages[:-1]]
    return [error["extensions"]["code"] for each in errors for error in each]


async def test_a_suspension_reaches_open_websockets(
    live_server: str, client: GraphQLClient, db_pool: asyncpg.Pool, redis: Redis, operator: Account
) -> None:
    troll, fan = await create_user(client, handle="troll"), await create_user(client, handle="fan")
    video = (await client.execute(CREATE, token=troll.token)).data["createRemix"]["video"]["id"]
    async with connect(live_server) as ws:
        await init(ws, troll.token)
        await subscribe(ws, "inbox", ACTIVITY)
        await subscribe(ws, "status", VIDEO_STATUS, {"id": video})
        assert (await receive(ws))["payload"]["data"]["videoStatus"] == {"status": "QUEUED"}
        await until_subscribed(redis, keys.activity_inbox_channel(raw(troll.id)))
        await until_subscribed(redis, keys.video_status_channel(raw(video)))

        await suspend(client, operator, troll)
        # A new operation on the open connection is refused...
        await subscribe(ws, "query", VIEWER)
        assert codes(await answer(ws, "query")) == ["UNAUTHENTICATED"]
        # ... and the live subscriptions end at their next event.
        await produce(db_pool, redis, kind=ActivityKind.NEW_FOLLOWER, actor_id=raw(fan.id), users=[raw(troll.id)])
        assert codes(await answer(ws, "inbox")) == ["UNAUTHENTICATED"]
        await redis.publish(keys.video_status_channel(raw(video)), "FAILED")
        assert codes(await answer(ws, "status")) == ["UNAUTHENTICATED"]

    # A new connection is refused at connection_init.
    async with connect(live_server) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {troll.token}"}}))
        try:
            await receive(ws)
            raise AssertionError("the connection was accepted")
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4401


async def test_only_operators_lift_a_suspension_and_each_decision_is_recorded(
    client: GraphQLClient, db: asyncpg.Pool, operator: Account
) -> None:
    fan, troll = await create_user(client, handle="fan"), await create_user(client, handle="troll")
    video = await create_video(client, db, troll, "spam")
    assert (await unsuspend(client, fan, troll.id)).error_codes() == ["FORBIDDEN"]
    assert (await unsuspend(client, None, troll.id)).error_codes() == ["UNAUTHENTICATED"]
    for user_id, extra, code in [
        (troll.id, {}, "CONFLICT"),  # not suspended
        ("VXNlcjox", {}, "NOT_FOUND"),
        (video, {}, "NOT_FOUND"),  # not a user's id
        (troll.id, {"note": "x" * 2001}, "INVALID"),
    ]:
        refused = (await unsuspend(client, operator, user_id, **extra)).data["unsuspendUser"]
        assert refused["user"] is None and [e["code"] for e in refused["userErrors"]] == [code]
    assert await db.fetchval("SELECT count(*) FROM moderation_actions") == 0

    on_video = (await report(client, fan, video))["report"]["id"]
    on_user = (await report(client, await create_user(client), troll.id))["report"]["id"]
    suspended = (await moderate(client, operator, on_video, "SUSPEND_USER", note="spam")).data["moderate"]
    assert suspended["userErrors"] == []
    wrong = (await moderate(client, operator, on_user, "UNSUSPEND_USER")).data["moderate"]
    assert wrong["userErrors"] == [{"code": "INVALID", "field": ["input", "action"]}]

    lifted = (await unsuspend(client, operator, troll.id, note="appeal upheld")).data["unsuspendUser"]
    record = lifted["record"]
    assert (record["action"], record["note"], record["operator"]) == (
        "UNSUSPEND_USER",
        "appeal upheld",
        {"handle": "moderator"},
    )
    assert record["createdAt"]
    again = (await unsuspend(client, operator, troll.id)).data["unsuspendUser"]
    assert again["userErrors"] == [{"code": "CONFLICT", "field": ["input", "userId"]}]

    history = (await client.execute(RECORDS, {"id": troll.id}, token=operator.token)).data["node"]
    assert history["moderationRecords"] == [
        {"action": "SUSPEND_USER", "note": "spam", "operator": {"handle": "moderator"}},
        {"action": "UNSUSPEND_USER", "note": "appeal upheld", "operator": {"handle": "moderator"}},
    ]
    assert (await client.execute(RECORDS, {"id": troll.id}, token=fan.token)).data["node"] == {"moderationRecords": []}
    assert await db.fetchval("SELECT status FROM reports WHERE subject_id <> $1", raw(video)) == "OPEN"
