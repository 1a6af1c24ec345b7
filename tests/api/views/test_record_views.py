"""recordViews through GraphQL: identity, per-event refusals, replays, qualification, races, viewCount."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from api.ids import to_global_id
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, register_device
from tests.sql_counter import counting
from tests.views_factories import new_character, new_holder, new_video, new_videos, take_down, uuid_of

RECORD = """
mutation Record($input: [ViewInput!]!) {
  recordViews(input: $input) { accepted duplicates qualified userErrors { field code } }
}
"""
VIEW_COUNTS = "query Counts($ids: [ID!]!) { nodes(ids: $ids) { ... on Video { id viewCount } } }"
STORED = "SELECT count(*) FROM view_events"
TAKE_DOWN = """
mutation TakeDown($input: TakeDownVideoInput!) { takeDownVideo(input: $input) { video { status } userErrors { code } } }
"""


def gid(video_id: UUID) -> str:
    return to_global_id("Video", video_id)


def view(video_id: UUID | str, watched_ms: int = 5000, event_id: str | None = None, **extra: Any) -> dict[str, Any]:
    video = video_id if isinstance(video_id, str) else gid(video_id)
    return {"videoId": video, "watchedMs": watched_ms, "clientEventId": event_id or uuid4().hex, **extra}


async def record(
    client: GraphQLClient, events: list[dict[str, Any]], *, token: str | None = None, device: str | None = None
) -> dict[str, Any]:
    headers = {"X-Device-Id": await device_of(client, device)} if device else None
    payload: dict[str, Any] = (await client.execute(RECORD, {"input": events}, token=token, headers=headers)).data[
        "recordViews"
    ]
    return payload


async def device_of(client: GraphQLClient, name: str) -> str:
    """A registered device per name ("device-…") for the test's client; any other string is sent as is."""
    if not name.startswith("device-"):
        return name
    devices: dict[str, str] = client.__dict__.setdefault("devices", {})
    if name not in devices:
        devices[name] = await register_device(client)
    return devices[name]


def counts(payload: dict[str, Any]) -> tuple[int, int, int]:
    return payload["accepted"], payload["duplicates"], payload["qualified"]


async def view_counts(client: GraphQLClient, *videos: UUID) -> list[int]:
    nodes = (await client.execute(VIEW_COUNTS, {"ids": [gid(v) for v in videos]})).data["nodes"]
    return [node["viewCount"] for node in nodes]


async def published(db_pool: asyncpg.Pool, creator: Account, **options: Any) -> UUID:
    async with db_pool.acquire() as conn:
        return await new_video(conn, uuid_of(creator.id), **options)


async def test_a_view_is_stored_once_and_counted(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    creator, fan = await create_user(client), await create_user(client)
    video = await published(db_pool, creator)
    first = view(video, event_id="evt-1")
    assert counts(await record(client, [first], token=fan.token)) == (1, 0, 1)
    assert counts(await record(client, [first, view(video)], token=fan.token)) == (1, 1, 0)
    assert await view_counts(client, video) == [1]
    assert await db_pool.fetchval(STORED) == 2


async def test_anonymous_viewers_send_a_device_id(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    video = await published(db_pool, await create_user(client))
    payload = await record(client, [view(video)])
    assert counts(payload) == (0, 0, 0)
    assert payload["userErrors"] == [{"field": None, "code": "INVALID"}]
    # Anything but a token registerDevice issued is refused per event (RULES §11).
    forged = (await device_of(client, "device-forged-1")).split(".")[0] + "." + "0" * 32
    for device in ("short", "bad device id!", "a-made-up-but-plausible-id", forged):
        payload = await record(client, [view(video), view(video)], device=device)
        assert counts(payload) == (0, 0, 0)
        assert payload["userErrors"] == [
            {"field": ["input", "0"], "code": "INVALID"}, {"field": ["input", "1"], "code": "INVALID"}
        ]  # fmt: skip
    assert await db_pool.fetchval(STORED) == 0
    assert counts(await record(client, [view(video)], device="device-aaaa-0001")) == (1, 0, 1)
    assert counts(await record(client, [view(video)], device="device-aaaa-0001")) == (1, 0, 0)  # same day
    assert counts(await record(client, [view(video)], device="device-aaaa-0002")) == (1, 0, 1)
    assert await view_counts(client, video) == [2]


async def test_more_than_500_events_change_nothing(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    fan = await create_user(client)
    video = await published(db_pool, await create_user(client))
    payload = await record(client, [view(video) for _ in range(501)], token=fan.token)
    assert counts(payload) == (0, 0, 0)
    assert payload["userErrors"] == [{"field": ["input"], "code": "INVALID"}]
    assert await db_pool.fetchval(STORED) == 0
    assert counts(await record(client, [view(video) for _ in range(500)], token=fan.token)) == (500, 0, 1)


async def test_refused_events_are_reported_by_index_and_the_rest_stored(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    creator, fan = await create_user(client), await create_user(client)
    now = datetime.now(UTC)
    video = await published(db_pool, creator, published_at=now - timedelta(days=2))
    draft = await published(db_pool, creator, status="DRAFT")
    events = [
        view("not-an-id"),
        view(to_global_id("User", uuid_of(fan.id))),
        view(uuid4()),
        view(draft),  # someone else's draft: as good as unknown
        view(video, watched_ms=-1),
        view(video, occurredAt=(now - timedelta(hours=25)).isoformat()),
        view(video, occurredAt=(now + timedelta(minutes=6)).isoformat()),
        view(video, event_id="x" * 129),
        view(video, occurredAt=(now - timedelta(hours=23)).isoformat()),
    ]
    payload = await record(client, events, token=fan.token)
    assert payload["userErrors"] == [
        {"field": ["input", "0", "videoId"], "code": "NOT_FOUND"},
        {"field": ["input", "1", "videoId"], "code": "NOT_FOUND"},
        {"field": ["input", "2", "videoId"], "code": "NOT_FOUND"},
        {"field": ["input", "3", "videoId"], "code": "NOT_FOUND"},
        {"field": ["input", "4", "watchedMs"], "code": "INVALID"},
        {"field": ["input", "5", "occurredAt"], "code": "INVALID"},
        {"field": ["input", "6", "occurredAt"], "code": "INVALID"},
        {"field": ["input", "7", "clientEventId"], "code": "INVALID"},
    ]
    assert counts(payload) == (1, 0, 1)
    assert await db_pool.fetchval(STORED) == 1


async def test_short_watches_creators_and_members_do_not_qualify(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    creator, member, fan = await create_user(client), await create_user(client), await create_user(client)
    async with db_pool.acquire() as conn:
        holder = await new_holder(conn, uuid_of(member.id))
        character = await new_character(conn, holder, 1000)
        video = await new_video(conn, uuid_of(creator.id), licenses=[(character, 1000)], duration_seconds=4)
        draft = await new_video(conn, uuid_of(creator.id), status="DRAFT", licenses=[(character, 1000)])
    assert counts(await record(client, [view(video), view(draft)], token=creator.token)) == (2, 0, 0)
    assert counts(await record(client, [view(video), view(draft)], token=member.token)) == (2, 0, 0)
    # half of a 4-second video is enough, a millisecond less is not
    assert counts(await record(client, [view(video, watched_ms=1999)], token=fan.token)) == (1, 0, 0)
    assert counts(await record(client, [view(video, watched_ms=2000)], token=fan.token)) == (1, 0, 1)


async def test_views_after_a_takedown_do_not_qualify(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    now = datetime.now(UTC)
    video = await published(db_pool, await create_user(client), published_at=now - timedelta(hours=3))
    async with db_pool.acquire() as conn:
        await take_down(conn, video, now - timedelta(hours=1))
    before = view(video, occurredAt=(now - timedelta(hours=2)).isoformat())
    after = view(video, occurredAt=(now - timedelta(minutes=30)).isoformat())
    assert counts(await record(client, [after], device="device-take-0001")) == (1, 0, 0)
    assert counts(await record(client, [before, after], device="device-take-0002")) == (2, 0, 1)
    assert counts(await record(client, [view(video)], device="device-take-0003")) == (1, 0, 0)


async def test_the_daily_cap(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    fan = await create_user(client)
    async with db_pool.acquire() as conn:
        videos = await new_videos(conn, uuid_of((await create_user(client)).id), 1001)
    assert counts(await record(client, [view(v) for v in videos[:500]], token=fan.token)) == (500, 0, 500)
    assert counts(await record(client, [view(v) for v in videos[500:1000]], token=fan.token)) == (500, 0, 500)
    assert counts(await record(client, [view(videos[1000])], token=fan.token)) == (1, 0, 0)
    assert counts(await record(client, [view(videos[1000])], device="device-cap-00001")) == (1, 0, 1)


async def test_concurrent_calls_for_one_viewer_and_video_qualify_once(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    fan = await create_user(client)
    video = await published(db_pool, await create_user(client))
    results = await asyncio.gather(*(record(client, [view(video)], token=fan.token) for _ in range(20)))
    assert sum(r["accepted"] for r in results) == 20
    assert sum(r["qualified"] for r in results) == 1
    await device_of(client, "device-rr-0001")  # registered once, before the concurrent calls
    replays = await asyncio.gather(
        *(record(client, [view(video, event_id="same")], device="device-rr-0001") for _ in range(10))
    )
    assert sorted(counts(r) for r in replays) == [(0, 1, 0)] * 9 + [(1, 0, 1)]
    assert await view_counts(client, video) == [2]


async def test_view_counts_of_many_videos(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    creator = await create_user(client)
    async with db_pool.acquire() as conn:
        videos = await new_videos(conn, uuid_of(creator.id), 5)
    for n, device in enumerate(("device-many-0001", "device-many-0002", "device-many-0003")):
        await record(client, [view(v) for v in videos[: n + 2]], device=device)
    assert await view_counts(client, *videos) == [3, 3, 2, 1, 0]


async def test_views_after_a_real_takedown_do_not_qualify(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    owner, creator = await create_user(client), await create_user(client)
    character = await create_character(client, owner, await create_holder(client, owner), "Takeable")
    video = await published(db_pool, creator, licenses=[(uuid_of(character), 1000)])
    before = view(video, occurredAt=(datetime.now(UTC) - timedelta(seconds=1)).isoformat())
    variables = {"input": {"videoId": gid(video), "characterId": character, "reason": "not ok"}}
    taken = (await client.execute(TAKE_DOWN, variables, token=owner.token)).data["takeDownVideo"]
    assert taken == {"video": {"status": "TAKEN_DOWN"}, "userErrors": []}
    assert counts(await record(client, [view(video)], device="device-real-0001")) == (1, 0, 0)
    assert counts(await record(client, [before], device="device-real-0002")) == (1, 0, 1)


async def test_view_counts_are_one_statement_whatever_the_number_of_videos(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    async with db_pool.acquire() as conn:
        videos = await new_videos(conn, uuid_of((await create_user(client)).id), 30)
    for few_or_many in (videos[:2], videos):
        with counting() as counter:
            assert await view_counts(client, *few_or_many) == [0] * len(few_or_many)
        assert sum("uncredited_views" in statement for statement in counter.statements) == 1


async def test_bad_credentials_are_unauthenticated_and_a_user_is_never_a_device(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    fan = await create_user(client)
    video = await published(db_pool, await create_user(client))
    refused = await client.execute(RECORD, {"input": [view(video)]}, token="not-a-token")
    assert refused.error_codes() == ["UNAUTHENTICATED"]
    signed_in = {"X-Device-Id": "device-both-0001"}
    payload = (await client.execute(RECORD, {"input": [view(video)]}, token=fan.token, headers=signed_in)).data
    assert counts(payload["recordViews"]) == (1, 0, 1)
    assert counts(await record(client, [view(video)], token=fan.token)) == (1, 0, 0)  # the same viewer: the user
    assert await db_pool.fetchval("SELECT count(*) FROM view_events WHERE anonymous") == 0
