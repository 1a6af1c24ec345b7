"""Benchmark of views and crediting (ARCHITECTURE "Performance budgets", issues 6 and 17):
`python bench/views.py` from the repository root.

Two fresh databases of one server, seeded alike: "empty", and "history", which first gets 30 days
of view events (`--history-rows`, default 50,000,000, in 30 daily partitions; generated with
INSERT ... SELECT generate_series into tables attached as partitions once loaded and indexed, then
credited like real history: untimed, but the time it took is printed). Then, in `--rounds` (5)
interleaved rounds (the machine is shared and noisy, so each round measures both under the same load):

1. View events per second accepted through `recordViews` over real HTTP: `fanreel api`
   (uvicorn) in child processes, several concurrent keep-alive clients, each call a batch of
   100 events from one anonymous viewer (X-Device-Id) over published videos; 90% of the events
   are watched long enough to qualify. Budget ≥ 20,000 events/s on this 2-core machine (empty).
2. Crediting: `db.crediting.credit` over everything that round left waiting, timed in qualified
   views per second (budget ≥ 100,000/s, empty).

Budget of issue 17: neither slows with history, empty ÷ history ≤ 1.2 for both (medians over the
rounds), in rate and in CPU per event or view (the API processes, or this process for crediting,
plus the database's client backends, read from /proc: steadier than rates when other work shares
the machine). Then, on the empty database, the baseline: the same number of rows COPYed straight into
a table shaped like `view_events` (same columns and indexes), in batches of 100 rows per
transaction over as many connections as there were clients (the ratio API / COPY is the API's
overhead); and `fanreel ledger verify`'s checks on both databases.

Prints the figures and PASS/FAIL per budget; exits 0 either way.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import AsyncIterator, Sequence  # noqa: E402
from contextlib import AsyncExitStack, asynccontextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from api.ids import to_global_id  # noqa: E402
from bench.common import UNTHROTTLED, BenchServers, api_server, bench_servers, cpu_of, verdict  # noqa: E402
from db.crediting import credit, split_config  # noqa: E402
from db.ledger_cli import checks_for, verify  # noqa: E402
from domain.devices import issue_token  # noqa: E402
from domain.revenue import SplitConfig  # noqa: E402
from domain.views import Viewer  # noqa: E402
from settings import Settings  # noqa: E402

EVENTS_BUDGET = 20_000.0
CREDIT_BUDGET = 100_000.0
HISTORY_BUDGET = 1.2  # empty ÷ history, for recordViews and for crediting
HISTORY_DAYS = 30
WARMUP_CALLS = 20  # per client, on each database before the rounds
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
async def api_servers(settings: Settings, count: int) -> AsyncIterator[list[tuple[str, int]]]:
    """(URL, pid) of each of `count` API processes."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(api_server(settings)) for _ in range(count)]


AUTOVACUUMS = "SELECT sum(autovacuum_count)::int, sum(autoanalyze_count)::int FROM pg_stat_user_tables"


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
    "day",
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
            [
                (viewer, uuid.uuid4().hex, True, v, 5000, now, now, now.date(), True)
                for v in rng.sample(list(videos), BATCH)
            ]
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


# ------------------------------------------------------------------ 30 days of history

# One day's events, 100 per viewer over distinct videos (so each is the viewer's first of that video
# that day), 90% qualified, ids as long as the clients' (32 hex digits), spread over the day.
HISTORY_TABLE = "CREATE TABLE {table} (LIKE view_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
HISTORY_ROWS = """
INSERT INTO {table} (viewer_id, client_event_id, anonymous, video_id, watched_ms, occurred_at, received_at, day,
                     qualified)
SELECT v.viewer, lpad(to_hex(v.n * 100 + k), 32, '0'), true, ($2::uuid[])[1 + (v.n * 7 + k) % cardinality($2::uuid[])],
       CASE WHEN k % 10 = 9 THEN 800 ELSE 5000 END, v.at, v.at, $1::date, k % 10 <> 9
FROM (SELECT n, gen_random_uuid() AS viewer,
             ($1::date + make_interval(secs => n * 86399.0 / $3)) AT TIME ZONE 'UTC' AS at
      FROM generate_series(0, $3 - 1) AS n) AS v,
     generate_series(0, 99) AS k
"""
# The indexes named as view_events_add_partition names them; ATTACH adopts them.
HISTORY_INDEXES = (
    "ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (viewer_id, client_event_id, day)",
    "CREATE UNIQUE INDEX {table}_qualified_once_a_day ON {table} (viewer_id, day, video_id) WHERE qualified",
    "ALTER TABLE view_events ATTACH PARTITION {table} FOR VALUES FROM ('{day}') TO ('{next}')",
)
# The history as crediting left it: every qualified view credited (untimed; ledger verify checks it).
HISTORY_WAITING = (
    "INSERT INTO uncredited_views (video_id, views) SELECT video_id, count(*) FROM view_events WHERE qualified "
    "GROUP BY video_id"
)


async def load_day(conn: asyncpg.Connection, day: date, viewers: int, videos: list[uuid.UUID]) -> None:
    table = f"view_events_{day:%Y%m%d}"
    await conn.execute(f"DROP TABLE IF EXISTS {table}")  # the window the migration made: empty
    await conn.execute(HISTORY_TABLE.format(table=table))
    await conn.execute(HISTORY_ROWS.format(table=table), day, videos, viewers)
    for statement in HISTORY_INDEXES:
        await conn.execute(statement.format(table=table, day=day, next=day + timedelta(days=1)))
    await conn.execute(f"VACUUM ANALYZE {table}")  # no autovacuum of 50M fresh rows during the rounds


async def load_history(database_url: str, videos: list[uuid.UUID], rows: int, lanes: int = 2) -> None:
    """`rows` view events over the HISTORY_DAYS days before today, then credited; prints what it took."""
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=n) for n in range(HISTORY_DAYS, 0, -1)]
    viewers = -(-rows // (BATCH * HISTORY_DAYS))  # at least `rows` in all
    started = time.perf_counter()
    pool = await asyncpg.create_pool(
        database_url, min_size=lanes, max_size=lanes, server_settings={"maintenance_work_mem": "256MB"}
    )
    try:

        async def lane() -> None:
            async with pool.acquire() as conn:
                while days:
                    await load_day(conn, days.pop(), viewers, videos)

        await asyncio.gather(*(lane() for _ in range(lanes)))
        loaded = time.perf_counter() - started
        await pool.execute("ANALYZE view_events")
        await pool.execute("CHECKPOINT")  # the load's writes flushed now, not during the rounds
        await pool.execute(HISTORY_WAITING)
        credited = await credit(pool, split_config(Settings()))
        stored = await pool.fetchval("SELECT count(*) FROM view_events")
        size = await pool.fetchval(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits "
            "WHERE inhparent = 'view_events'::regclass"
        )
    finally:
        await pool.close()
    print(
        f"history: {stored:,} view events over {HISTORY_DAYS} daily partitions ({size}) loaded and indexed in "
        f"{loaded:.0f} s, {credited.views:,} qualified views credited; {time.perf_counter() - started:.0f} s in all"
    )


# ------------------------------------------------------------------ the rounds


@dataclass
class Side:
    """One database of the comparison, with its API processes and figures."""

    name: str
    servers: BenchServers
    servers_up: list[tuple[str, int]] = field(default_factory=list)  # the API processes: (URL, pid)
    record_rates: list[float] = field(default_factory=list)
    credit_rates: list[float] = field(default_factory=list)
    # CPU ms per 1000 events (recordViews: the API processes + PostgreSQL) or views credited (this
    # process + PostgreSQL): steadier than rates on a shared machine, whose other load takes time
    # from these processes but not CPU.
    record_cpu: list[float] = field(default_factory=list)
    credit_cpu: list[float] = field(default_factory=list)

    async def round(self, work: list[tuple[str, bytes]], clients: int, config: SplitConfig) -> str:
        async with cpu_of(self.servers.database_url, [pid for _, pid in self.servers_up]) as spent:
            seconds, accepted, qualified = await post_views([url for url, _ in self.servers_up], work, clients)
        self.record_rates.append(accepted / seconds)
        self.record_cpu.append(sum(spent) * 1e6 / accepted)
        api_cpu, database_cpu = (x * 1e6 / accepted for x in spent)
        pool = await asyncpg.create_pool(self.servers.database_url, min_size=2, max_size=4)
        try:
            async with cpu_of(self.servers.database_url, [os.getpid()]) as spent:
                started = time.perf_counter()
                credited = await credit(pool, config)
                credit_seconds = time.perf_counter() - started
        finally:
            await pool.close()
        self.credit_rates.append(credited.views / credit_seconds)
        self.credit_cpu.append(sum(spent) * 1e6 / credited.views)
        return (
            f"{self.name:>7}: recordViews {accepted} events ({qualified} qualified) in {seconds:.2f} s: "
            f"{self.record_rates[-1]:,.0f} events/s, CPU {api_cpu:.0f} + {database_cpu:.0f} ms per 1000 (API + "
            f"PostgreSQL); crediting "
            f"{credited.views} views of {credited.videos} videos in {credit_seconds:.2f} s: "
            f"{self.credit_rates[-1]:,.0f} views/s, CPU {self.credit_cpu[-1]:.1f} ms per 1000"
        )

    async def verify(self, config: SplitConfig) -> list[str]:
        conn = await asyncpg.connect(self.servers.database_url)
        try:
            return await verify(conn, checks_for(config))
        finally:
            await conn.close()

    async def autovacuums(self) -> tuple[int, int]:
        """Autovacuum's vacuums and analyzes of this database so far."""
        conn = await asyncpg.connect(self.servers.database_url)
        try:
            vacuums, analyzes = await conn.fetchrow(AUTOVACUUMS)
            return vacuums, analyzes
        finally:
            await conn.close()


async def run(args: argparse.Namespace) -> None:
    async with bench_servers("views") as empty_servers, bench_servers("views_history") as history_servers:
        # Every client of the benchmark is 127.0.0.1: no per-IP cap (0), or it would measure that cap.
        base = Settings(
            database_url=empty_servers.database_url,
            redis_url=empty_servers.redis_url,
            log_level="WARNING",
            max_qualified_anon_views_per_ip_per_day=0,
            **UNTHROTTLED,
        )
        config = split_config(base)
        empty, history = Side("empty", empty_servers), Side("history", history_servers)
        videos = {
            side.name: await seed(side.servers.database_url, args.videos, random.Random(6)) for side in (empty, history)
        }
        await load_history(history.servers.database_url, videos["history"], args.history_rows)
        rng = random.Random(7)
        calls = args.events // BATCH
        async with AsyncExitStack() as stack:
            for side in (empty, history):
                settings = base.model_copy(update={"database_url": side.servers.database_url})
                side.servers_up = await stack.enter_async_context(api_servers(settings, args.api_processes))
                # Warm every pooled connection of every API process (a fresh one loads the catalogue).
                warmup = bodies(videos[side.name], args.clients * WARMUP_CALLS, rng, base.device_token_secret)
                await post_views([url for url, _ in side.servers_up], warmup, args.clients)
            before = [await side.autovacuums() for side in (empty, history)]
            for number in range(1, args.rounds + 1):
                for side in (empty, history) if number % 2 else (history, empty):
                    work = bodies(videos[side.name], calls, rng, base.device_token_secret)
                    print(f"round {number} {await side.round(work, args.clients, config)}")
            for side, (vacuums, analyzes) in zip((empty, history), before, strict=True):
                now_vacuums, now_analyzes = await side.autovacuums()
                print(f"  autovacuum during the rounds ({side.name}): {now_vacuums - vacuums} vacuums, ", end="")
                print(f"{now_analyzes - analyzes} analyzes")
        report(empty, history, args)
        copy_seconds = await copy_rows(empty.servers.database_url, videos["empty"], calls, args.clients)
        copy_rate = calls * BATCH / copy_seconds
        print(f"COPY baseline: {calls * BATCH} rows in {copy_seconds:.2f} s: {copy_rate:,.0f} rows/s")
        print(f"  ratio recordViews / COPY (empty, median): {statistics.median(empty.record_rates) / copy_rate:.2f}")
        for side in (empty, history):
            problems = await side.verify(config)
            found = f"{len(problems)} discrepancies, e.g. {problems[0]}" if problems else "ok"
            print(f"ledger verify ({side.name}): {found}")
            print(verdict(not problems, f"ledger verify holds ({side.name})"))


def report(empty: Side, history: Side, args: argparse.Namespace) -> None:
    print(f"  ({args.api_processes} API process(es) per database, {args.clients} clients, batches of {BATCH})")
    record, credit_rate = statistics.median(empty.record_rates), statistics.median(empty.credit_rates)
    print(verdict(record >= EVENTS_BUDGET, f"≥ {EVENTS_BUDGET:,.0f} view events/s accepted through recordViews"))
    print(verdict(credit_rate >= CREDIT_BUDGET, f"≥ {CREDIT_BUDGET:,.0f} qualified views/s credited"))
    for what, unit, rates in (("recordViews", "events", "record_rates"), ("crediting", "views", "credit_rates")):
        fast, slow = (statistics.median(getattr(side, rates)) for side in (empty, history))
        print(f"{what}, median of {args.rounds}: empty {fast:,.0f} {unit}/s, history {slow:,.0f}: ", end="")
        print(f"empty ÷ history {fast / slow:.2f}")
        print(
            verdict(
                fast / slow <= HISTORY_BUDGET, f"{what} {unit}/s with {HISTORY_DAYS} days of history: ≤ 1.2× slower"
            )
        )
        cpu = rates.replace("rates", "cpu")
        least, most = (statistics.median(getattr(side, cpu)) for side in (empty, history))
        print(f"  CPU per 1000 {unit}: empty {least:.1f} ms, history {most:.1f} ms: history ÷ empty {most / least:.2f}")
        print(verdict(most / least <= HISTORY_BUDGET, f"{what} CPU per {unit[:-1]} with history: ≤ 1.2× empty's"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--events", type=int, default=200_000, help="view events sent per round and database (default 200000)"
    )
    parser.add_argument("--videos", type=int, default=2_000, help="published videos (default 2000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients (default 16)")
    parser.add_argument("--api-processes", type=int, default=2, help="`fanreel api` processes per database (default 2)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument(
        "--history-rows",
        type=int,
        default=50_000_000,
        help=f"view events of history over {HISTORY_DAYS} days (default 50000000, the budget's; fewer for a quick run)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
