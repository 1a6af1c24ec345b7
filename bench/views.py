"""Benchmark of views and crediting (ARCHITECTURE "Performance budgets", issue 6):
`python bench/views.py` from the repository root.

In one run, against a fresh database (see bench/common.py for where the servers come from):

1. View events per second accepted through `recordViews` over real HTTP: `fanreel api`
   (uvicorn) in child processes, several concurrent keep-alive clients, each call a batch of
   100 events from one anonymous viewer (X-Device-Id) over published videos; 90% of the events
   are watched long enough to qualify. Budget ≥ 20,000 events/s on this 2-core machine.
2. Baseline in the same run: the same number of rows COPYed straight into a table shaped like
   `view_events` (same columns and indexes), in batches of 100 rows per transaction over as
   many connections as there were clients. The ratio API / COPY is the API's overhead.
3. Crediting: `db.crediting.credit` over everything phase 1 left waiting, timed in qualified
   views per second (budget ≥ 100,000/s), then `fanreel ledger verify`'s checks.

Prints the figures and PASS/FAIL per budget; exits 0 either way.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import AsyncIterator, Sequence  # noqa: E402
from contextlib import AsyncExitStack, asynccontextmanager  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from api.ids import to_global_id  # noqa: E402
from bench.common import UNTHROTTLED, api_server, bench_servers, verdict  # noqa: E402
from db.crediting import credit, split_config  # noqa: E402
from db.ledger_cli import checks_for, verify  # noqa: E402
from domain.devices import issue_token  # noqa: E402
from domain.views import Viewer  # noqa: E402
from settings import Settings  # noqa: E402

EVENTS_BUDGET = 20_000.0
CREDIT_BUDGET = 100_000.0
BATCH = 100
RECORD = (
    "mutation Record($input: [ViewInput!]!) { recordViews(input: $input) { accepted qualified userErrors { code } } }"
)


async def seed(database_url: str, videos: int, rng: random.Random) -> list[uuid.UUID]:
    """Published videos by 200 creators; a third license 1-2 characters of 50 holders, a third remix another."""
    conn = await asyncpg.connect(database_url)
    try:
        creators = [
            r["id"]
            for r in await conn.fetch(
                "INSERT INTO users (handle, display_name, email, password_hash) "
                "SELECT 'creator' || n, 'Creator ' || n, 'creator' || n || '@example.com', 'x' "
                "FROM generate_series(1, 200) AS n RETURNING id"
            )
        ]
        holders = [
            r["id"]
            for r in await conn.fetch(
                "INSERT INTO holders (name, kind) SELECT 'Holder ' || n, 'ORGANIZATION' "
                "FROM generate_series(1, 50) AS n RETURNING id"
            )
        ]
        characters = []
        for n, holder in enumerate(holders * 2):
            share = rng.choice((500, 1000, 2000, 3333))
            character = await conn.fetchval(
                "INSERT INTO characters (holder_id, name, kind) VALUES ($1, $2, 'FICTIONAL') RETURNING id",
                holder,
                f"Character {n}",
            )
            await conn.execute(
                "INSERT INTO character_policies (character_id, version, audience, requires_review, "
                "allow_derivatives, allow_crossovers, max_rating, max_duration_seconds, revenue_share_bps, "
                "generation_fee_micros, on_restrict) VALUES ($1, 1, 'EVERYONE', false, true, true, 'R', 60, $2, 0, "
                "'KEEP')",
                character,
                share,
            )
            characters.append((character, share))
        ids: list[uuid.UUID] = []
        for n in range(videos):
            remix_of = rng.choice(ids) if ids and n % 3 == 1 else None
            video = await conn.fetchval(
                "INSERT INTO videos (creator_id, prompt, aspect, duration_seconds, rating, status, published_at, "
                "remix_of_id) VALUES ($1, 'bench video', 'PORTRAIT', 10, 'G', 'PUBLISHED', "
                "now() - interval '1 hour', $2) RETURNING id",
                rng.choice(creators),
                remix_of,
            )
            if n % 3 == 0:
                for position, (character, share) in enumerate(rng.sample(characters, rng.choice((1, 2))), 1):
                    await conn.execute(
                        "INSERT INTO video_licenses (video_id, character_id, position, policy_version, "
                        "revenue_share_bps, generation_fee_micros) VALUES ($1, $2, $3, 1, $4, 0)",
                        video,
                        character,
                        position,
                        share,
                    )
            ids.append(video)
        return ids
    finally:
        await conn.close()


def bodies(videos: Sequence[uuid.UUID], calls: int, rng: random.Random, secret: str) -> list[tuple[str, bytes]]:
    """(device token, request body) per call: 100 distinct videos, 90% watched long enough to qualify."""
    video_ids = [to_global_id("Video", v) for v in videos]
    made = []
    for _ in range(calls):
        events = [
            {"videoId": v, "watchedMs": rng.choice((5000,) * 9 + (800,)), "clientEventId": uuid.uuid4().hex}
            for v in rng.sample(video_ids, BATCH)
        ]
        made.append(
            (issue_token(secret, uuid.uuid4()), json.dumps({"query": RECORD, "variables": {"input": events}}).encode())
        )
    return made


@asynccontextmanager
async def api_servers(settings: Settings, count: int) -> AsyncIterator[list[str]]:
    async with AsyncExitStack() as stack:
        urls = [(await stack.enter_async_context(api_server(settings)))[0] for _ in range(count)]
        yield urls


async def post_views(urls: Sequence[str], work: list[tuple[str, bytes]], clients: int) -> tuple[float, int, int]:
    """Send every body, `clients` keep-alive connections at a time spread over the API processes;
    (seconds, accepted, qualified). A bare HTTP/1.1 client, so that the load generator, which shares
    the machine's two cores with the API and PostgreSQL, costs as little as possible."""
    queue = list(reversed(work))
    totals = [0, 0]

    async def lane(url: str) -> None:
        parsed = httpx.URL(url)
        reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
        try:
            while queue:
                device, body = queue.pop()
                head = (
                    f"POST /graphql HTTP/1.1\r\nhost: {parsed.host}\r\ncontent-type: application/json\r\n"
                    f"x-device-id: {device}\r\ncontent-length: {len(body)}\r\n\r\n"
                )
                writer.write(head.encode() + body)
                payload = json.loads(await read_response(reader))["data"]["recordViews"]
                assert not payload["userErrors"], payload
                totals[0] += payload["accepted"]
                totals[1] += payload["qualified"]
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(lane(urls[n % len(urls)]) for n in range(clients)))
    return time.perf_counter() - started, totals[0], totals[1]


async def read_response(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    body = await reader.readexactly(length)
    if status != b"200":
        raise RuntimeError(f"HTTP {status.decode()}: {body[:200]!r}")
    return body


COPY_TABLE = "CREATE TABLE view_events_copy (LIKE view_events INCLUDING ALL)"
COLUMNS = (
    "viewer_id",
    "client_event_id",
    "anonymous",
    "video_id",
    "watched_ms",
    "occurred_at",
    "received_at",
    "qualified",
)


async def copy_rows(database_url: str, videos: Sequence[uuid.UUID], calls: int, clients: int) -> float:
    """Seconds to COPY `calls` batches of 100 view rows, one transaction each, over `clients` connections."""
    rng = random.Random(2)
    now = datetime.now(UTC)
    batches = []
    for _ in range(calls):
        viewer = Viewer.device(f"copy-{uuid.uuid4().hex}").id
        batches.append(
            [(viewer, uuid.uuid4().hex, True, v, 5000, now, now, True) for v in rng.sample(list(videos), BATCH)]
        )
    pool = await asyncpg.create_pool(database_url, min_size=clients, max_size=clients)
    try:
        await pool.execute(COPY_TABLE)

        async def lane() -> None:
            async with pool.acquire() as conn:
                while batches:
                    rows = batches.pop()
                    await conn.copy_records_to_table("view_events_copy", records=rows, columns=COLUMNS)

        started = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(clients)))
        return time.perf_counter() - started
    finally:
        await pool.close()


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(6)
    async with bench_servers("views") as servers:
        # Every client of the benchmark is 127.0.0.1: no per-IP cap (0), or it would measure that cap.
        base = Settings(
            database_url=servers.database_url,
            redis_url=servers.redis_url,
            log_level="WARNING",
            max_qualified_anon_views_per_ip_per_day=0,
            **UNTHROTTLED,
        )
        videos = await seed(servers.database_url, args.videos, rng)
        calls = args.events // BATCH
        work = bodies(videos, calls + args.clients, rng, base.device_token_secret)
        warmup, work = work[: args.clients], work[args.clients :]
        async with api_servers(base, args.api_processes) as urls:
            await post_views(urls, warmup, args.clients)
            seconds, accepted, qualified = await post_views(urls, work, args.clients)
        copy_seconds = await copy_rows(servers.database_url, videos, calls, args.clients)
        api_rate, copy_rate = accepted / seconds, calls * BATCH / copy_seconds
        print(
            f"recordViews: {accepted} events ({qualified} qualified) in {seconds:.2f} s over HTTP: "
            f"{api_rate:,.0f} events/s"
        )
        print(f"  ({args.api_processes} API process(es), {args.clients} clients, batches of {BATCH})")
        print(f"COPY baseline: {calls * BATCH} rows in {copy_seconds:.2f} s: {copy_rate:,.0f} rows/s")
        print(f"  ratio recordViews / COPY: {api_rate / copy_rate:.2f}")
        print(verdict(api_rate >= EVENTS_BUDGET, f"≥ {EVENTS_BUDGET:,.0f} view events/s accepted through recordViews"))

        pool = await asyncpg.create_pool(servers.database_url, min_size=2, max_size=4)
        try:
            config = split_config(base)
            started = time.perf_counter()
            credited = await credit(pool, config)
            credit_seconds = time.perf_counter() - started
            async with pool.acquire() as conn:
                problems = await verify(conn, checks_for(config))
        finally:
            await pool.close()
        rate = credited.views / credit_seconds
        print(
            f"crediting: {credited.views} qualified views of {credited.videos} videos in {credit_seconds:.2f} s: "
            f"{rate:,.0f} qualified views/s ({credited.videos / credit_seconds:,.0f} videos/s)"
        )
        print(f"  ledger verify: {'ok' if not problems else f'{len(problems)} discrepancies, e.g. {problems[0]}'}")
        print(verdict(rate >= CREDIT_BUDGET and not problems, f"≥ {CREDIT_BUDGET:,.0f} qualified views/s credited"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000, help="view events to send (default 200000)")
    parser.add_argument("--videos", type=int, default=2_000, help="published videos (default 2000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients (default 16)")
    parser.add_argument("--api-processes", type=int, default=2, help="`fanreel api` processes (default 2)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
