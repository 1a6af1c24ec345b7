"""The worked examples end to end through GraphQL: views recorded, crediting run, money read back
(Video.revenue, Holder.earnings/balance, Viewer.earnings, wallets), and who may read what."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from api.ids import to_global_id
from db.crediting import credit
from db.ledger_cli import grant, verify
from domain.revenue import SplitConfig
from settings import Settings
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, device_token
from tests.views_factories import new_video, uuid_of
from workers.settings import worker_settings
from workers.worker import Worker

RECORD = "mutation R($input: [ViewInput!]!) { recordViews(input: $input) { accepted qualified userErrors { field } } }"
REVENUE = """
query Revenue($id: ID!) {
  node(id: $id) {
    ... on Video {
      viewCount
      revenue {
        qualifiedViews gross { micros } platform { micros } creator { micros } ancestors { micros }
        holders { holder { name } character { name } amount { micros } }
      }
    }
  }
}
"""
HOLDER = """
query Holder($id: ID!, $from: DateTime!, $to: DateTime!) {
  node(id: $id) {
    ... on Holder {
      balance { micros }
      earnings(from: $from, to: $to) {
        from to total { micros } qualifiedViews
        byDay { key amount { micros } qualifiedViews }
        byItem { key amount { micros } qualifiedViews }
      }
    }
  }
}
"""
VIEWER = """
query Me($from: DateTime!, $to: DateTime!) {
  viewer {
    wallet { balance { micros } entries(first: 10) { edges { node { kind amount { micros } video { id } } } } }
    earnings(from: $from, to: $to) {
      total { micros } qualifiedViews byDay { key amount { micros } } byItem { key amount { micros } qualifiedViews }
    }
  }
}
"""
BALANCE = "query B($id: ID!) { node(id: $id) { ... on Holder { balance { micros } } } }"
EARNINGS = """
query E($id: ID!, $from: DateTime!, $to: DateTime!) {
  node(id: $id) { ... on Holder { earnings(from: $from, to: $to) { total { micros } } } }
}
"""
CREATE_REMIX = "mutation C($input: RemixInput!) { createRemix(input: $input) { video { id } userErrors { code } } }"
PUBLISH = "mutation P($id: ID!) { publishVideo(videoId: $id) { video { status } userErrors { code } } }"
CONFIG = SplitConfig()
RunWorker = Callable[[], Awaitable[None]]


@pytest.fixture(autouse=True)
async def ledger_invariants_hold(db_pool: asyncpg.Pool) -> AsyncIterator[None]:
    yield
    async with db_pool.acquire() as conn:
        assert await verify(conn) == []


@pytest.fixture
def run_worker(settings: Settings) -> RunWorker:
    async def run() -> None:
        options = worker_settings(settings.model_copy(update={"generator": "noop"})) | {
            "burst": True,
            "poll_delay": 0.05,
        }
        worker = Worker(**options, handle_signals=False)
        try:
            await worker.main()
        finally:
            await worker.close()

    return run


def window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(days=1)).isoformat()}


async def record_views(client: GraphQLClient, video: str, viewers: int) -> None:
    """One qualified view from each of `viewers` new anonymous devices, 50 calls at a time."""

    async def one(n: int) -> None:
        events = [{"videoId": video, "watchedMs": 5000, "clientEventId": "e1"}]
        result = await client.execute(RECORD, {"input": events}, headers={"X-Device-Id": device_token()})
        assert result.data["recordViews"] == {"accepted": 1, "qualified": 1, "userErrors": []}, n

    for start in range(0, viewers, 50):
        await asyncio.gather(*(one(n) for n in range(start, min(viewers, start + 50))))


async def revenue_of(client: GraphQLClient, video: str, account: Account | None) -> Any:
    result = await client.execute(REVENUE, {"id": video}, token=account.token if account else None)
    return result.data["node"]["revenue"]


async def me(client: GraphQLClient, account: Account) -> dict[str, Any]:
    viewer: dict[str, Any] = (await client.execute(VIEWER, window(), token=account.token)).data["viewer"]
    return viewer


async def holder_view(client: GraphQLClient, holder: str, account: Account) -> dict[str, Any]:
    node: dict[str, Any] = (await client.execute(HOLDER, {"id": holder, **window()}, token=account.token)).data["node"]
    return node


def micros(value: int) -> dict[str, str]:
    return {"micros": str(value)}


async def test_worked_example_a_end_to_end(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    creator, p_creator, q_creator = await create_user(client), await create_user(client), await create_user(client)
    owner_a, owner_b = await create_user(client), await create_user(client)
    holder_a = await create_holder(client, owner_a, "Studio A")
    holder_b = await create_holder(client, owner_b, "Studio B")
    a = await create_character(client, owner_a, holder_a, "Alpha", revenueShareBps=2000)
    b = await create_character(client, owner_b, holder_b, "Beta", revenueShareBps=1500)
    async with db_pool.acquire() as conn:
        q = await new_video(conn, uuid_of(q_creator.id))
        p = await new_video(conn, uuid_of(p_creator.id), remix_of=q)
        licenses = [(uuid_of(a), 2000), (uuid_of(b), 1500)]
        raw_video = await new_video(conn, uuid_of(creator.id), licenses=licenses, remix_of=p)
    video = to_global_id("Video", raw_video)

    await record_views(client, video, 1000)
    assert await revenue_of(client, video, creator) == {
        "qualifiedViews": 0, "gross": micros(0), "platform": micros(0), "creator": micros(0),
        "ancestors": micros(0), "holders": [
            {"holder": {"name": "Studio A"}, "character": {"name": "Alpha"}, "amount": micros(0)},
            {"holder": {"name": "Studio B"}, "character": {"name": "Beta"}, "amount": micros(0)},
        ],
    }  # fmt: skip
    assert (await credit(db_pool, CONFIG)).views == 1000

    expected = {
        "qualifiedViews": 1000, "gross": micros(500_000), "platform": micros(150_000), "creator": micros(155_750),
        "ancestors": micros(19_250), "holders": [
            {"holder": {"name": "Studio A"}, "character": {"name": "Alpha"}, "amount": micros(100_000)},
            {"holder": {"name": "Studio B"}, "character": {"name": "Beta"}, "amount": micros(75_000)},
        ],
    }  # fmt: skip
    assert await revenue_of(client, video, creator) == expected
    assert await revenue_of(client, video, owner_a) == expected

    studio_a = await holder_view(client, holder_a, owner_a)
    assert studio_a["balance"] == micros(100_000)
    report = studio_a["earnings"]
    assert (report["total"], report["qualifiedViews"]) == (micros(100_000), 1000)
    today = datetime.now(UTC).date().isoformat()
    assert report["byDay"] == [{"key": today, "amount": micros(100_000), "qualifiedViews": 1000}]
    assert report["byItem"] == [{"key": a, "amount": micros(100_000), "qualifiedViews": 1000}]

    for account, amount, item in ((creator, 155_750, raw_video), (p_creator, 17_500, p), (q_creator, 1_750, q)):
        mine = await me(client, account)
        assert mine["wallet"]["balance"] == micros(amount)
        entries = [edge["node"] for edge in mine["wallet"]["entries"]["edges"]]
        assert entries == [{"kind": "VIEW_REVENUE", "amount": micros(amount), "video": {"id": video}}]
        earned = mine["earnings"]
        assert (earned["total"], earned["qualifiedViews"]) == (micros(amount), 1000)
        assert earned["byItem"] == [
            {"key": to_global_id("Video", item), "amount": micros(amount), "qualifiedViews": 1000}
        ]


async def test_worked_example_b_end_to_end(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    creator, owner = await create_user(client), await create_user(client)
    holder = await create_holder(client, owner, "Capped Studio")
    a = await create_character(client, owner, holder, "Big Share", revenueShareBps=4000)
    b = await create_character(client, owner, holder, "Other Share", revenueShareBps=3000)
    async with db_pool.acquire() as conn:
        licenses = [(uuid_of(a), 4000), (uuid_of(b), 3000)]
        video = to_global_id("Video", await new_video(conn, uuid_of(creator.id), licenses=licenses))
    await record_views(client, video, 1000)
    await credit(db_pool, CONFIG)

    revenue = await revenue_of(client, video, owner)
    assert [h["amount"] for h in revenue["holders"]] == [micros(142_857), micros(107_142)]
    assert (revenue["platform"], revenue["creator"], revenue["ancestors"]) == (
        micros(150_000),
        micros(100_001),
        micros(0),
    )
    studio = await holder_view(client, holder, owner)
    assert studio["balance"] == micros(249_999)
    report = studio["earnings"]
    # two characters of one holder: two shares, the views counted once in the total
    assert (report["total"], report["qualifiedViews"]) == (micros(249_999), 1000)
    assert [(i["key"], i["amount"], i["qualifiedViews"]) for i in report["byItem"]] == [
        (a, micros(142_857), 1000),
        (b, micros(107_142), 1000),
    ]


async def test_worked_example_c_through_the_real_pipeline(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    owner, creator = await create_user(client), await create_user(client)
    holder = await create_holder(client, owner, "Nova Rights")
    character = await create_character(
        client, owner, holder, "Captain Nova", ["Nova"], revenueShareBps=3333, generationFee="0.1"
    )
    async with db_pool.acquire() as conn:
        await grant(conn, handle=creator.handle, amount_micros=1_000_000)
    created = await client.execute(
        CREATE_REMIX, {"input": {"prompt": "Captain Nova waves", "characterIds": []}}, token=creator.token
    )
    video = created.data["createRemix"]["video"]["id"]
    await run_worker()  # noop generator → DRAFT
    published = await client.execute(PUBLISH, {"id": video}, token=creator.token)
    assert published.data["publishVideo"] == {"video": {"status": "PUBLISHED"}, "userErrors": []}

    for _ in range(3):  # one view per crediting run
        await record_views(client, video, 1)
        await run_worker()  # the credit cron runs at start

    studio = await holder_view(client, holder, owner)
    assert studio["balance"] == micros(100_000 + 499)  # the license fee, then 499 of views (not 3 × 166 = 498)
    report = studio["earnings"]
    assert (report["total"], report["qualifiedViews"]) == (micros(100_499), 3)
    assert report["byItem"] == [{"key": character, "amount": micros(100_499), "qualifiedViews": 3}]
    revenue = await revenue_of(client, video, creator)
    assert (revenue["qualifiedViews"], revenue["gross"], revenue["platform"]) == (3, micros(1500), micros(450))
    assert revenue["creator"] == micros(1500 - 450 - 499)
    mine = await me(client, creator)
    assert mine["earnings"]["total"] == micros(551)
    assert [e["node"]["amount"] for e in mine["wallet"]["entries"]["edges"][:3]] == [
        micros(184),
        micros(183),
        micros(184),
    ]


async def test_only_the_creator_and_the_holders_members_read_the_money(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    creator, owner, stranger = await create_user(client), await create_user(client), await create_user(client)
    holder = await create_holder(client, owner, "Private Studio")
    character = await create_character(client, owner, holder, "Secretive", revenueShareBps=1000)
    async with db_pool.acquire() as conn:
        video = to_global_id("Video", await new_video(conn, uuid_of(creator.id), licenses=[(uuid_of(character), 1000)]))
    assert await revenue_of(client, video, stranger) is None
    assert await revenue_of(client, video, None) is None
    assert (await revenue_of(client, video, creator))["qualifiedViews"] == 0
    for document, variables in ((BALANCE, {"id": holder}), (EARNINGS, {"id": holder, **window()})):
        assert (await client.execute(document, variables, token=stranger.token)).error_codes() == ["FORBIDDEN"]
        assert (await client.execute(document, variables)).error_codes() == ["UNAUTHENTICATED"]
        assert (await client.execute(document, variables, token=owner.token)).errors == []


async def test_earnings_cover_the_range_asked_for(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    creator = await create_user(client)
    async with db_pool.acquire() as conn:
        video = to_global_id("Video", await new_video(conn, uuid_of(creator.id)))
    await record_views(client, video, 2)
    await credit(db_pool, CONFIG)
    now = datetime.now(UTC)
    before = {"from": (now - timedelta(days=2)).isoformat(), "to": (now - timedelta(days=1)).isoformat()}
    empty = (await client.execute(VIEWER, before, token=creator.token)).data["viewer"]["earnings"]
    assert empty == {"total": micros(0), "qualifiedViews": 0, "byDay": [], "byItem": []}
    assert (await me(client, creator))["earnings"]["total"] == micros(700)
    backwards = {"from": window()["to"], "to": window()["from"]}
    assert (await client.execute(VIEWER, backwards, token=creator.token)).error_codes() == ["BAD_USER_INPUT"]
