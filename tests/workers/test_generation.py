"""createRemix → worker → DRAFT through GraphQL, real PostgreSQL, Redis and arq in burst mode;
money exact under concurrency, failures refunded, nothing lost when workers die or Redis forgets."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis

from api.ids import from_global_id
from db.ledger_cli import grant, verify
from db.pool import create_pool
from db.queries import earnings, ledger, videos
from db.queries.ledger import AccountKind
from db.remix import claim_and_reevaluate, reevaluate
from domain.policy import Decision
from settings import Settings
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, policy
from tests.sql_counter import counting
from tests.workers.fake_provider import FakeProvider, render_sample_mp4, serving
from workers.drafting import Drafter, Rendered
from workers.generate import generate, reconcile
from workers.media import probe
from workers.settings import on_shutdown, on_startup, worker_settings
from workers.worker import Worker

CREATE_REMIX = """
mutation Create($input: RemixInput!) {
  createRemix(input: $input) {
    video { id status cost { micros } characters { name } licenses { policyVersion generationFee { micros } review } }
    userErrors { field code message reasons { code character { name } } }
  }
}
"""
VIDEO = """
query Video($id: ID!) {
  node(id: $id) {
    ... on Video {
      status statusReason durationSeconds aspect
      media { url thumbnailUrl contentType width height durationSeconds sizeBytes sha256 provenanceUrl }
    }
  }
}
"""
WALLET_BALANCE = "SELECT balance_micros FROM ledger_accounts WHERE user_id = $1"
DRAFTS = "{ viewer { drafts(first: 10) { edges { node { id status } } } } }"

RunWorker = Callable[..., Awaitable[None]]


@pytest.fixture
def run_worker(settings: Settings) -> RunWorker:
    async def run(**overrides: Any) -> None:
        options = worker_settings(settings.model_copy(update=overrides)) | {"burst": True, "poll_delay": 0.05}
        worker = Worker(**options, handle_signals=False)
        try:
            await worker.main()
        finally:
            await worker.close()

    return run


@pytest.fixture(autouse=True)
async def ledger_invariants_hold(db_pool: asyncpg.Pool) -> AsyncIterator[None]:
    yield
    async with db_pool.acquire() as conn:
        assert await verify(conn) == []


def uuid_of(global_id: str) -> Any:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


async def fund(db_pool: asyncpg.Pool, account: Account, micros: int) -> None:
    async with db_pool.acquire() as conn:
        await grant(conn, handle=account.handle, amount_micros=micros)


async def wallet(db_pool: asyncpg.Pool, account: Account) -> int:
    balance: int = await db_pool.fetchval(WALLET_BALANCE, uuid_of(account.id))
    return balance


async def remix(client: GraphQLClient, account: Account, prompt: str, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"prompt": prompt, "characterIds": [], **extra}}
    payload: dict[str, Any] = (await client.execute(CREATE_REMIX, variables, token=account.token)).data["createRemix"]
    return payload


async def test_the_whole_flow_ends_with_a_real_mp4(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, settings: Settings
) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await create_character(
        client, ava, holder, "Captain Nova", ["Nova"], generationFee="0.25", attribution="© Northwind"
    )
    fan = await create_user(client, handle="fan")
    await fund(db_pool, fan, 1_000_000)

    created = await remix(client, fan, "Captain Nova waves hello", durationSeconds=2, aspect="LANDSCAPE")
    assert created["userErrors"] == []
    video = created["video"]
    assert video["status"] == "QUEUED" and video["characters"] == [{"name": "Captain Nova"}]
    assert video["cost"] == {"micros": "250000"}  # first generation of the day: base price waived, the fee is not
    assert video["licenses"] == [{"policyVersion": 1, "generationFee": {"micros": "250000"}, "review": "NOT_REQUIRED"}]
    assert await wallet(db_pool, fan) == 750_000
    drafts = (await client.execute(DRAFTS, token=fan.token)).data["viewer"]["drafts"]["edges"]
    assert drafts == [{"node": {"id": video["id"], "status": "QUEUED"}}]

    await run_worker(generator="local")

    node = (await client.execute(VIDEO, {"id": video["id"]}, token=fan.token)).data["node"]
    assert node["status"] == "DRAFT"
    media = node["media"]
    assert (media["width"], media["height"], media["contentType"]) == (854, 480, "video/mp4")
    assert abs(media["durationSeconds"] - 2) < 0.1
    response = await client.http.get(media["url"].removeprefix("http://test"))
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    assert "signature=" in media["url"]  # a draft: signed URLs only (RULES §11)
    path = settings.media_dir / media["url"].split("/media/", 1)[1].split("?")[0]
    info = await probe(path)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 854, 480)
    assert info.sha256 == media["sha256"] and info.size_bytes == media["sizeBytes"]
    manifest = (await client.http.get(media["provenanceUrl"].removeprefix("http://test"))).json()
    assert manifest["media_sha256"] == media["sha256"]
    assert [c["policy_version"] for c in manifest["characters"]] == [1]
    # escrow settled: the fee to the holder, the (waived) base price to the platform
    holder_balance = await db_pool.fetchval(
        f"SELECT {ledger.BALANCE} FROM ledger_accounts a WHERE a.holder_id = $1", uuid_of(holder)
    )
    assert holder_balance == 250_000
    async with db_pool.acquire() as conn:
        escrow = await ledger.system_account(conn, AccountKind.ESCROW)
        assert await ledger.balance(conn, account_id=escrow) == 0
        # Folding the pending changes into the balances changes no balance.
        await ledger.fold_pending_balances(conn)
        assert await ledger.balance(conn, account_id=escrow) == 0
        assert await conn.fetchval("SELECT count(*) FROM ledger_pending_balances") == 0
        assert await earnings.holder_balance(conn, holder_id=uuid_of(holder)) == 250_000


async def test_policy_denied_charges_nothing_and_counts_the_denial(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await create_character(client, ava, holder, "Shadow Queen", audience="OPTED_OUT")
    fan = await create_user(client, handle="fan")
    payload = await remix(client, fan, "The Shadow Queen rules")
    assert payload["video"] is None
    (error,) = payload["userErrors"]
    assert error["code"] == "POLICY_DENIED"
    assert error["reasons"] == [{"code": "OPTED_OUT", "character": {"name": "Shadow Queen"}}]
    assert await db_pool.fetchval("SELECT count(*) FROM videos") == 0
    assert await db_pool.fetchval("SELECT sum(count) FROM denied_attempts WHERE code = 'OPTED_OUT'") == 1


async def test_insufficient_funds_writes_nothing(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings
) -> None:
    fan = await create_user(client, handle="fan")
    await use_free_generations(client, db_pool, fan, settings)
    payload = await remix(client, fan, "a calm lake at dusk", durationSeconds=5)
    assert [e["code"] for e in payload["userErrors"]] == ["INSUFFICIENT_FUNDS"]
    assert await db_pool.fetchval("SELECT count(*) FROM videos") == settings.free_generations_per_day


async def test_in_flight_quota(client: GraphQLClient, settings: Settings) -> None:
    fan = await create_user(client, handle="fan")
    for _ in range(settings.max_active_generations_per_user):
        assert (await remix(client, fan, "a quiet forest"))["userErrors"] == []
    assert [e["code"] for e in (await remix(client, fan, "a quiet forest"))["userErrors"]] == ["QUOTA_EXCEEDED"]


async def test_bad_input_is_invalid(client: GraphQLClient) -> None:
    fan = await create_user(client, handle="fan")
    for extra, field in (
        ({"durationSeconds": 61}, ["input", "durationSeconds"]),
        ({"characterIds": ["nope"]}, ["input", "characterIds"]),
        ({"idempotencyKey": ""}, ["input", "idempotencyKey"]),
    ):
        payload = await remix(client, fan, "a quiet forest", **extra)
        assert [e["field"] for e in payload["userErrors"]] == [field]
    assert [e["field"] for e in (await remix(client, fan, "  "))["userErrors"]] == [["input", "prompt"]]


async def test_twenty_concurrent_requests_with_funds_for_five(
    client: GraphQLClient, db_pool: asyncpg.Pool, app: Any
) -> None:
    fan = await create_user(client, handle="fan")
    services = app.state.services
    limits = {"free_generations_per_day": 0, "max_active_generations_per_user": 100}
    original = services.settings
    object.__setattr__(services, "settings", original.model_copy(update=limits))
    try:
        await fund(db_pool, fan, 5 * 100_000)  # 5 s at $0.02/s = $0.10 each
        results = await asyncio.gather(*(remix(client, fan, f"a race number {n}") for n in range(20)))
    finally:
        object.__setattr__(services, "settings", original)
    accepted = [r for r in results if r["video"] is not None]
    refused = [r["userErrors"][0]["code"] for r in results if r["video"] is None]
    assert len(accepted) == 5 and refused == ["INSUFFICIENT_FUNDS"] * 15
    assert await wallet(db_pool, fan) == 0


async def use_free_generations(client: GraphQLClient, db_pool: asyncpg.Pool, fan: Account, settings: Settings) -> None:
    for _ in range(settings.free_generations_per_day):
        assert (await remix(client, fan, "warm-up"))["userErrors"] == []
        await db_pool.execute("UPDATE videos SET status = 'DRAFT'")  # out of the in-flight quota


async def test_same_idempotency_key_raced_ten_times(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings
) -> None:
    fan = await create_user(client, handle="fan")
    await use_free_generations(client, db_pool, fan, settings)
    await fund(db_pool, fan, 1_000_000)
    results = await asyncio.gather(*(remix(client, fan, "one video", idempotencyKey="k-1") for _ in range(10)))
    ids = {r["video"]["id"] for r in results}
    assert len(ids) == 1
    assert await db_pool.fetchval("SELECT count(*) FROM videos WHERE idempotency_key = 'k-1'") == 1
    charges = await db_pool.fetchval("SELECT count(*) FROM ledger_transactions WHERE kind = 'GENERATION_CHARGE'")
    assert charges == 1 and await wallet(db_pool, fan) == 900_000


async def test_abandoned_job_is_completed_by_the_reconciler_and_charged_once(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, redis: Redis, app: Any
) -> None:
    fan = await create_user(client, handle="fan")
    await fund(db_pool, fan, 1_000_000)
    video_id = (await remix(client, fan, "a windmill", durationSeconds=1))["video"]["id"]
    # a worker took the job and died mid-run: the job is gone, the video sits GENERATING
    await redis.flushdb()
    await db_pool.execute(
        "UPDATE videos SET status = 'GENERATING', attempts = 1, updated_at = now() - interval '1 hour'"
    )
    ctx = {"settings": app.state.services.settings, "pool": db_pool, "redis": app.state.services.redis}
    assert await reconcile(ctx) == 1
    await run_worker(generator="noop")
    status = (await client.execute(VIDEO, {"id": video_id}, token=fan.token)).data["node"]["status"]
    assert status == "DRAFT"
    kinds = [r["kind"] for r in await db_pool.fetch("SELECT kind FROM ledger_transactions WHERE video_id IS NOT NULL")]
    assert sorted(kinds).count("GENERATION_REFUND") == 0


async def test_two_runs_of_one_generation_racing_draft_it_once_and_settle_once(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings, app: Any
) -> None:
    fan = await create_user(client, handle="fan")
    await fund(db_pool, fan, 1_000_000)
    video_id = uuid_of((await remix(client, fan, "a lighthouse", durationSeconds=1))["video"]["id"])
    services = app.state.services
    ctx: dict[str, Any] = {"settings": settings.model_copy(update={"generator": "noop"}), "redis": services.redis}
    await on_startup(ctx)
    try:
        results = await asyncio.gather(*(generate({**ctx, "job_try": 1}, str(video_id)) for _ in range(4)))
    finally:
        await on_shutdown(ctx)
    assert results.count("drafted") == 1, results
    assert await db_pool.fetchval("SELECT status FROM videos WHERE id = $1", video_id) == "DRAFT"
    drafted = "SELECT count(*) FROM activities WHERE video_id = $1 AND kind = 'VIDEO_DRAFTED'"
    assert await db_pool.fetchval(drafted, video_id) == 1  # finished (and settled) by one run only


async def test_flushall_with_queued_videos_recovers_all(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, redis: Redis, app: Any
) -> None:
    fans = [await create_user(client, handle=f"fan{n}") for n in range(3)]
    for fan in fans:
        assert (await remix(client, fan, "a lighthouse", durationSeconds=1))["userErrors"] == []
    await redis.flushdb()
    await db_pool.execute("UPDATE videos SET updated_at = now() - interval '1 hour'")
    ctx = {"settings": app.state.services.settings, "pool": db_pool, "redis": app.state.services.redis}
    assert await reconcile(ctx) == 3
    await run_worker(generator="noop")
    assert await db_pool.fetchval("SELECT count(*) FROM videos WHERE status = 'DRAFT'") == 3


async def test_a_worker_with_one_database_connection_runs_its_jobs_to_the_end(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    """The worker's pool is small (WORKER_DATABASE_POOL_SIZE): no job path may hold one connection
    while it waits for another, or ten jobs sharing one connection would wait for ever."""
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    nova = await create_character(client, ava, holder, "Captain Nova", generationFee="0.25")
    await create_character(client, ava, holder, "Lady Vex", generationFee="0.25")
    fans = [await create_user(client, handle=f"fan{n}") for n in range(4)]
    for fan in fans:
        await fund(db_pool, fan, 1_000_000)
        for prompt in ("Captain Nova waves", "Lady Vex bows"):
            assert (await remix(client, fan, prompt, durationSeconds=1))["userErrors"] == []
    publish = """mutation($input: PublishPolicyInput!) { publishPolicy(input: $input) { userErrors { code } } }"""
    tightened = {"characterId": nova, "policy": policy(audience="OPTED_OUT")}  # Nova's four fail and refund
    assert (await client.execute(publish, {"input": tightened}, token=ava.token)).data["publishPolicy"][
        "userErrors"
    ] == []

    await asyncio.wait_for(run_worker(generator="noop", worker_database_pool_size=1), timeout=60)

    statuses = await db_pool.fetch("SELECT status, count(*) FROM videos GROUP BY status ORDER BY status")
    assert [tuple(row) for row in statuses] == [("DRAFT", 4), ("FAILED", 4)]
    refunds = "SELECT count(*) FROM ledger_transactions WHERE kind = 'GENERATION_REFUND'"
    assert await db_pool.fetchval(refunds) == 4  # and the ledger verifies (ledger_invariants_hold)


async def test_policy_tightened_before_the_job_runs_fails_and_refunds(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    nova = await create_character(client, ava, holder, "Captain Nova", generationFee="0.5")
    fan = await create_user(client, handle="fan")
    await fund(db_pool, fan, 1_000_000)
    video_id = (await remix(client, fan, "Captain Nova sails"))["video"]["id"]
    assert await wallet(db_pool, fan) == 500_000
    publish = """mutation($input: PublishPolicyInput!) { publishPolicy(input: $input) { userErrors { code } } }"""
    tightened = {"characterId": nova, "policy": policy(audience="OPTED_OUT")}
    assert (await client.execute(publish, {"input": tightened}, token=ava.token)).data["publishPolicy"][
        "userErrors"
    ] == []
    await run_worker(generator="noop")
    node = (await client.execute(VIDEO, {"id": video_id}, token=fan.token)).data["node"]
    assert node["status"] == "FAILED" and "not open to remixes" in node["statusReason"]
    assert await wallet(db_pool, fan) == 1_000_000


async def test_the_claim_reevaluates_the_video_as_reevaluate_does_inherited_characters_included(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    nova = await create_character(client, ava, holder, "Captain Nova")
    fan = await create_user(client, handle="fan")
    source = (await remix(client, fan, "Captain Nova sails"))["video"]["id"]
    await run_worker(generator="noop")
    sequel = (await remix(client, fan, "the sequel, at dawn", remixOfId=source))["video"]["id"]
    publish = """mutation($input: PublishPolicyInput!) { publishPolicy(input: $input) { userErrors { code } } }"""
    tightened = {"characterId": nova, "policy": policy(allowDerivatives=False)}
    assert (await client.execute(publish, {"input": tightened}, token=ava.token)).data["publishPolicy"][
        "userErrors"
    ] == []
    async with db_pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            found = await claim_and_reevaluate(conn, video_id=uuid_of(sequel), statuses=["QUEUED"])
            assert found is not None
            claimed, decision = found
            assert claimed.video.remix_of_id == uuid_of(source) and claimed.video.character_ids == (uuid_of(nova),)
            assert decision == await reevaluate(conn, claimed.video)
            assert decision.decision is Decision.DENY  # Nova is inherited from the video remixed: no derivatives now
            assert await claim_and_reevaluate(conn, video_id=uuid_of(sequel), statuses=["QUEUED"]) is None
        finally:
            await transaction.rollback()
    await run_worker(generator="noop")
    node = (await client.execute(VIDEO, {"id": sequel}, token=fan.token)).data["node"]
    assert node["status"] == "FAILED" and node["statusReason"].startswith("Refused:")


DELETE = "mutation($id: ID!) { deleteVideo(videoId: $id) { video { status } userErrors { code } } }"


async def test_delete_video_refunds_a_queued_generation(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings
) -> None:
    fan = await create_user(client, handle="fan")
    other = await create_user(client, handle="other")
    await fund(db_pool, fan, 1_000_000)
    await use_free_generations(client, db_pool, fan, settings)
    video_id = (await remix(client, fan, "a paid one"))["video"]["id"]
    assert await wallet(db_pool, fan) == 900_000
    assert (await client.execute(DELETE, {"id": video_id}, token=other.token)).error_codes() == ["FORBIDDEN"]
    deleted = (await client.execute(DELETE, {"id": video_id}, token=fan.token)).data["deleteVideo"]
    assert deleted == {"video": {"status": "DELETED"}, "userErrors": []}
    assert await wallet(db_pool, fan) == 1_000_000
    again = (await client.execute(DELETE, {"id": video_id}, token=fan.token)).data["deleteVideo"]
    assert [e["code"] for e in again["userErrors"]] == ["NOT_FOUND"]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as workdir:
        sample = render_sample_mp4(Path(workdir) / "sample.mp4")
    fake = FakeProvider(video=sample, token="provider-token")
    with serving(fake.app) as base_url:
        yield base_url


def http_generator(provider: str) -> dict[str, Any]:
    return {
        "generator": "http",
        "generator_http_url": provider,
        "generator_http_token": "provider-token",
        "generator_http_poll_seconds": 0.01,
        "generation_retry_base_seconds": 0,
    }


async def test_provider_refusal_fails_with_its_reason_and_refunds(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, provider: str, settings: Settings
) -> None:
    fan = await create_user(client, handle="fan")
    await use_free_generations(client, db_pool, fan, settings)
    await fund(db_pool, fan, 1_000_000)
    video_id = (await remix(client, fan, "a storm at sea [refuse]"))["video"]["id"]
    assert await wallet(db_pool, fan) == 900_000
    await run_worker(**http_generator(provider))
    node = (await client.execute(VIDEO, {"id": video_id}, token=fan.token)).data["node"]
    assert node["status"] == "FAILED" and "refused" in node["statusReason"]
    assert await wallet(db_pool, fan) == 1_000_000


async def test_transient_failures_retry_with_backoff_then_fail_and_refund(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, provider: str, settings: Settings
) -> None:
    fan = await create_user(client, handle="fan")
    await use_free_generations(client, db_pool, fan, settings)
    await fund(db_pool, fan, 1_000_000)
    video_id = (await remix(client, fan, "a storm at sea [fail]"))["video"]["id"]
    await run_worker(**http_generator(provider))
    node = (await client.execute(VIDEO, {"id": video_id}, token=fan.token)).data["node"]
    assert node["status"] == "FAILED"
    attempts = await db_pool.fetchval("SELECT attempts FROM videos WHERE id = $1", uuid_of(video_id))
    assert attempts == settings.generation_max_tries
    assert await wallet(db_pool, fan) == 1_000_000


async def test_provider_hiccups_are_retried_and_succeed(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, provider: str
) -> None:
    fan = await create_user(client, handle="fan")
    video_id = (await remix(client, fan, "a storm at sea [500]", durationSeconds=2))["video"]["id"]
    await run_worker(**http_generator(provider))
    node = (await client.execute(VIDEO, {"id": video_id}, token=fan.token)).data["node"]
    assert node["status"] == "DRAFT" and node["media"]["sha256"]


WALLET = """
{ viewer { wallet { balance { micros formatted } freeGenerationsLeft
  entries(first: 10) { edges { node { id kind amount { micros } memo video { id } } } } } } }
"""


async def test_wallet_shows_balance_free_generations_and_entries(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await create_character(client, ava, holder, "Captain Nova", generationFee="0.25")
    fan = await create_user(client, handle="fan")
    await fund(db_pool, fan, 1_000_000)
    video_id = (await remix(client, fan, "Captain Nova"))["video"]["id"]
    data = (await client.execute(WALLET, token=fan.token)).data["viewer"]["wallet"]
    assert data["balance"] == {"micros": "750000", "formatted": "$0.75"}
    assert data["freeGenerationsLeft"] == 2
    entries = [edge["node"] for edge in data["entries"]["edges"]]
    assert [(e["kind"], e["amount"]["micros"]) for e in entries] == [
        ("GENERATION_CHARGE", "-250000"),
        ("FUNDING", "1000000"),
    ]
    assert entries[0]["video"] == {"id": video_id}
    node = "query($id: ID!) { node(id: $id) { ... on LedgerEntry { kind } } }"
    assert (await client.execute(node, {"id": entries[0]["id"]}, token=fan.token)).data["node"] == {
        "kind": "GENERATION_CHARGE"
    }
    assert (await client.execute(node, {"id": entries[0]["id"]}, token=ava.token)).data["node"] is None


async def test_videos_that_finish_together_are_drafted_and_settled_in_one_transaction(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings, app: Any
) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await create_character(client, ava, holder, "Captain Nova", generationFee="0.25")
    fans = [await create_user(client, handle=f"fan{n}") for n in range(4)]
    video_ids = []
    for fan in fans:
        await fund(db_pool, fan, 1_000_000)
        for prompt in ("Captain Nova waves", "Captain Nova bows"):  # the second is not free: base price too
            video_ids.append(uuid_of((await remix(client, fan, prompt, durationSeconds=1))["video"]["id"]))
    noop = settings.model_copy(update={"generator": "noop"})
    ctx: dict[str, Any] = {"settings": noop, "redis": app.state.services.redis}
    await on_startup(ctx)
    try:
        with counting() as counter:
            results = await asyncio.gather(*(generate({**ctx, "job_try": 1}, str(v)) for v in video_ids))
    finally:
        await on_shutdown(ctx)

    assert results == ["drafted"] * 8
    statuses = await db_pool.fetch("SELECT status, count(*) FROM videos GROUP BY status")
    assert [tuple(row) for row in statuses] == [("DRAFT", 8)]
    drafts = [s for s in counter.statements if "SET status = 'DRAFT'" in s]
    assert 1 <= len(drafts) < 8  # grouped: the eight renders finish while the first group is written
    async with db_pool.acquire() as conn:
        assert await earnings.holder_balance(conn, holder_id=uuid_of(holder)) == 8 * 250_000
        escrow = await ledger.account_ids(conn, kinds=[AccountKind.ESCROW])
        assert await ledger.balance(conn, account_id=escrow.system[AccountKind.ESCROW]) == 0
    drafted = "SELECT count(*) FROM activities WHERE kind = 'VIDEO_DRAFTED'"
    assert await db_pool.fetchval(drafted) == 8 + 8  # each creator, and the holder's member


async def test_drafting_settles_between_the_accounts_the_claim_read(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings, app: Any
) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await create_character(client, ava, holder, "Captain Nova", generationFee="0.25")
    fan = await create_user(client, handle="fan")
    await fund(db_pool, fan, 1_000_000)
    first, second = [
        uuid_of((await remix(client, fan, prompt, durationSeconds=1))["video"]["id"])
        for prompt in ("Captain Nova waves", "Captain Nova bows")
    ]
    ctx: dict[str, Any] = {
        "settings": settings.model_copy(update={"generator": "noop"}),
        "redis": app.state.services.redis,
    }
    await on_startup(ctx)
    try:
        assert await generate({**ctx, "job_try": 1}, str(first)) == "drafted"  # the holder's account is made here
        with counting() as counter:
            assert await generate({**ctx, "job_try": 1}, str(second)) == "drafted"
    finally:
        await on_shutdown(ctx)
    assert ledger.ACCOUNT_IDS not in counter.statements  # the claim read the escrow, platform and holder accounts
    assert len([s for s in counter.statements if "INSERT INTO activities" in s]) == 1
    async with db_pool.acquire() as conn:
        assert await earnings.holder_balance(conn, holder_id=uuid_of(holder)) == 2 * 250_000


async def test_a_group_that_cannot_be_written_fails_every_video_in_it_and_writes_nothing(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings
) -> None:
    fans = [await create_user(client, handle=f"fan{n}") for n in range(3)]
    claimed = []
    for fan in fans:
        video_id = uuid_of((await remix(client, fan, "a lighthouse", durationSeconds=1))["video"]["id"])
        async with db_pool.acquire() as conn:
            claim = await videos.claim_generation(conn, video_id=video_id, statuses=["QUEUED"])
        assert claim is not None
        claimed.append(claim)
    media = videos.Media("k", "t", "m", "video/mp4", 1, 1, 1.0, 1, "0" * 64)
    assert settings.database_url
    pool = await create_pool(settings.database_url)
    await pool.close()  # every write of the group fails
    redis = Redis.from_url(settings.redis_url or "")
    drafter = Drafter(pool, redis, generator="noop")

    results = await asyncio.gather(*(drafter.draft(Rendered(c, media, "m")) for c in claimed), return_exceptions=True)
    await redis.aclose()

    assert all(isinstance(result, asyncpg.InterfaceError) for result in results), results
    assert await db_pool.fetchval("SELECT count(*) FROM videos WHERE status = 'GENERATING'") == 3
    assert await db_pool.fetchval("SELECT count(*) FROM ledger_transactions WHERE kind <> 'GENERATION_CHARGE'") == 0


async def test_a_generation_completes_when_its_announcements_cannot_be_published(
    client: GraphQLClient, db_pool: asyncpg.Pool, settings: Settings
) -> None:
    fan = await create_user(client, handle="fan")
    video_id = uuid_of((await remix(client, fan, "a lighthouse", durationSeconds=1))["video"]["id"])
    unreachable = ArqRedis(host="127.0.0.1", port=1)  # publishing GENERATING and DRAFT fails
    ctx: dict[str, Any] = {"settings": settings.model_copy(update={"generator": "noop"}), "redis": unreachable}
    await on_startup(ctx)
    try:
        assert await generate({**ctx, "job_try": 1}, str(video_id)) == "drafted"
    finally:
        await on_shutdown(ctx)
        await unreachable.aclose()
    assert await db_pool.fetchval("SELECT status FROM videos WHERE id = $1", video_id) == "DRAFT"
