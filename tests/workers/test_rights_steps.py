"""Policies hold at every step, and fees wait for approval (RULES §11), through GraphQL and real workers."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from settings import Settings
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, policy
from tests.workers import test_generation as generation
from tests.workers.test_generation import RunWorker, fund, http_generator, remix, uuid_of, wallet

# The generation tests' fixtures: a burst worker, the fake provider, the ledger checked after each test.
run_worker = generation.run_worker
provider = generation.provider
ledger_invariants_hold = generation.ledger_invariants_hold

PUBLISH = """
mutation($id: ID!) { publishVideo(videoId: $id) { video { status statusReason } userErrors { code } } }
"""
PUBLISH_POLICY = """
mutation($input: PublishPolicyInput!) { publishPolicy(input: $input) { takenDown userErrors { code } } }
"""
REVIEW = """
mutation($input: ReviewVideoInput!) { reviewVideo(input: $input) { video { status } userErrors { code } } }
"""
STATUS = "SELECT status FROM videos WHERE id = $1"
HOLDER_BALANCE = "query($id: ID!) { node(id: $id) { ... on Holder { balance { micros } } } }"
FEE_TRANSACTIONS = "SELECT kind, memo FROM ledger_transactions WHERE video_id = $1 AND kind <> 'GENERATION_CHARGE'"


async def tighten(client: GraphQLClient, owner: Account, character: str, **overrides: Any) -> Any:
    variables = {"input": {"characterId": character, "policy": policy(**overrides)}}
    return (await client.execute(PUBLISH_POLICY, variables, token=owner.token)).data["publishPolicy"]


async def wait_for_status(db: asyncpg.Pool, video_id: str, status: str) -> None:
    for _ in range(500):
        if await db.fetchval(STATUS, uuid_of(video_id)) == status:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{video_id} never became {status}")


async def test_a_policy_tightened_while_the_video_renders_is_checked_when_drafting(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, provider: str, settings: Settings
) -> None:
    ava, fan = await create_user(client, handle="ava"), await create_user(client, handle="fan")
    nova = await create_character(client, ava, await create_holder(client, ava), "Captain Nova", generationFee="0.5")
    await fund(db_pool, fan, 1_000_000)
    video = (await remix(client, fan, "Captain Nova sails", durationSeconds=2))["video"]["id"]
    # The provider answers "processing" for 0.3 s: the policy changes while the video renders.
    worker = asyncio.create_task(run_worker(**http_generator(provider) | {"generator_http_poll_seconds": 0.3}))
    await wait_for_status(db_pool, video, "GENERATING")
    assert (await tighten(client, ava, nova, audience="OPTED_OUT"))["userErrors"] == []  # onRestrict KEEP
    await worker
    row = await db_pool.fetchrow("SELECT status, status_reason FROM videos WHERE id = $1", uuid_of(video))
    assert row["status"] == "FAILED" and "not open to remixes" in row["status_reason"]
    assert await wallet(db_pool, fan) == 1_000_000  # refunded in full, the fee never reached the holder
    assert not (settings.media_dir / "videos" / str(uuid_of(video))).exists()  # what it rendered is not kept


async def test_a_policy_tightened_after_drafting_refuses_publication(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    ava, fan = await create_user(client, handle="ava"), await create_user(client, handle="fan")
    nova = await create_character(client, ava, await create_holder(client, ava), "Captain Nova")
    await fund(db_pool, fan, 1_000_000)
    video = (await remix(client, fan, "Captain Nova sails", durationSeconds=2))["video"]["id"]
    await run_worker(generator="noop")
    assert await db_pool.fetchval(STATUS, uuid_of(video)) == "DRAFT"
    assert (await tighten(client, ava, nova, audience="OPTED_OUT"))["userErrors"] == []  # onRestrict KEEP

    published = (await client.execute(PUBLISH, {"id": video}, token=fan.token)).data["publishVideo"]
    assert published["userErrors"] == []
    assert published["video"]["status"] == "REJECTED" and "not open to remixes" in published["video"]["statusReason"]
    again = (await client.execute(PUBLISH, {"id": video}, token=fan.token)).data["publishVideo"]
    assert [e["code"] for e in again["userErrors"]] == ["CONFLICT"]
    public = "query($id: ID!) { node(id: $id) { id } }"
    assert (await client.execute(public, {"id": video})).data["node"] is None


async def test_a_policy_that_now_requires_review_sends_the_video_to_review(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    ava, fan = await create_user(client, handle="ava"), await create_user(client, handle="fan")
    nova = await create_character(client, ava, await create_holder(client, ava), "Captain Nova")
    await fund(db_pool, fan, 1_000_000)
    video = (await remix(client, fan, "Captain Nova sails", durationSeconds=2))["video"]["id"]
    await run_worker(generator="noop")
    await tighten(client, ava, nova, requiresReview=True)
    published = (await client.execute(PUBLISH, {"id": video}, token=fan.token)).data["publishVideo"]
    assert published["video"]["status"] == "PENDING_REVIEW"


async def test_the_restrict_sweep_covers_drafts_and_videos_in_progress(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    ava, fan = await create_user(client, handle="ava"), await create_user(client, handle="fan")
    nova = await create_character(client, ava, await create_holder(client, ava), "Captain Nova", generationFee="0.1")
    await fund(db_pool, fan, 1_000_000)
    draft = (await remix(client, fan, "Captain Nova sails", durationSeconds=2))["video"]["id"]
    await run_worker(generator="noop")
    queued = (await remix(client, fan, "Captain Nova flies", durationSeconds=2))["video"]["id"]
    assert await wallet(db_pool, fan) == 800_000

    swept = await tighten(client, ava, nova, audience="OPTED_OUT", onRestrict="TAKE_DOWN")
    assert swept == {"takenDown": 2, "userErrors": []}
    for video in (draft, queued):
        assert await db_pool.fetchval(STATUS, uuid_of(video)) == "TAKEN_DOWN"
    assert await wallet(db_pool, fan) == 900_000  # the queued one was never made: refunded in full
    await run_worker(generator="noop")  # its job finds nothing to do
    assert await db_pool.fetchval(STATUS, uuid_of(queued)) == "TAKEN_DOWN"


async def reviewed_video(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> tuple[Account, Account, str, str, str]:
    ava, fan = await create_user(client, handle="ava"), await create_user(client, handle="fan")
    holder = await create_holder(client, ava)
    bolt = await create_character(client, ava, holder, "Bolt", requiresReview=True, generationFee="0.5")
    await fund(db_pool, fan, 1_000_000)
    video = (await remix(client, fan, "Bolt runs", durationSeconds=2))["video"]["id"]
    await run_worker(generator="noop")
    assert await balance(client, ava, holder) == 0  # drafted, yet the fee waits in escrow
    assert await wallet(db_pool, fan) == 500_000
    published = (await client.execute(PUBLISH, {"id": video}, token=fan.token)).data["publishVideo"]
    assert published["video"]["status"] == "PENDING_REVIEW"
    return ava, fan, holder, bolt, video


async def balance(client: GraphQLClient, member: Account, holder: str) -> int:
    return int(
        (await client.execute(HOLDER_BALANCE, {"id": holder}, token=member.token)).data["node"]["balance"]["micros"]
    )


async def test_a_held_fee_is_paid_on_approval(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    ava, fan, holder, bolt, video = await reviewed_video(client, db_pool, run_worker)
    approve = {"videoId": video, "characterId": bolt, "decision": "APPROVE"}
    assert (await client.execute(REVIEW, {"input": approve}, token=ava.token)).data["reviewVideo"]["video"] == {
        "status": "PUBLISHED"
    }
    assert await balance(client, ava, holder) == 500_000
    assert await wallet(db_pool, fan) == 500_000
    rows = await db_pool.fetch(FEE_TRANSACTIONS, uuid_of(video))
    assert [tuple(r) for r in rows] == [("LICENSE_FEE", "approved: fee")]
    # Taking the video down later refunds nothing: the fee was earned.
    take_down = """mutation($input: TakeDownVideoInput!) { takeDownVideo(input: $input) { video { status } } }"""
    await client.execute(take_down, {"input": {"videoId": video, "characterId": bolt, "reason": "no"}}, token=ava.token)
    assert await wallet(db_pool, fan) == 500_000 and await balance(client, ava, holder) == 500_000


async def test_a_held_fee_is_refunded_on_rejection(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    ava, fan, holder, bolt, video = await reviewed_video(client, db_pool, run_worker)
    reject = {"videoId": video, "characterId": bolt, "decision": "REJECT"}
    assert (await client.execute(REVIEW, {"input": reject}, token=ava.token)).data["reviewVideo"]["video"] == {
        "status": "REJECTED"
    }
    assert await balance(client, ava, holder) == 0
    assert await wallet(db_pool, fan) == 1_000_000
    rows = await db_pool.fetch(FEE_TRANSACTIONS, uuid_of(video))
    assert [tuple(r) for r in rows] == [("GENERATION_REFUND", "held fees refunded")]
    # Deleting it afterwards refunds nothing twice.
    delete = "mutation($id: ID!) { deleteVideo(videoId: $id) { video { status } } }"
    await client.execute(delete, {"id": video}, token=fan.token)
    assert await wallet(db_pool, fan) == 1_000_000
