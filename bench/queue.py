"""Benchmark of the generation queue (ARCHITECTURE "Performance budgets", issue 4):
`python bench/queue.py` from the repository root (about a minute; `--help` for the knobs).

In one run, against a fresh database (see bench/common.py for where the servers come from):

1. Generations per second from `createRemix` to DRAFT with `GENERATOR=noop`: 200 users with
   funded wallets fire createRemix (each tagging a licensed character with a fee) through the
   real HTTP stack (`fanreel api`, uvicorn, in a child process; 32 requests in flight) while
   real arq workers (`worker_settings(settings)` unchanged, 2 child processes, not burst) run
   the jobs; timed from the first request to the last job's finish. Sending stops after 25 s
   and waiting after 35 s, so a slow queue cannot make the run long. Budget ≥ 200/s on this
   2-core machine (ARCHITECTURE says 300). The CPU each process used per generation (API,
   workers with their ffmpeg children, this database's PostgreSQL backends, Redis, the load
   client, anything else) is read from /proc, to show where the time goes.
2. Enqueue-to-start latency from arq's own `enqueue_time` and `start_time` of each job (kept
   by `keep_result`): during phase 1 (saturated, so mostly queueing), and with createRemix
   paced at half the measured rate on drained workers, which the budget (p50 ≤ 20 ms) judges.
3. The local renderer's wall seconds per video-second (`LocalGenerator`, 5 s and 10 s videos).

Baselines measured in the same run, for a noisy machine: `{ __typename }` requests/s through
the same HTTP stack and client; a no-op job on arq's own Worker with the same worker options
and worker count (400 enqueued at once, then one every 50 ms); a plain x264 encode of the same size and length.
The load client is a minimal keep-alive HTTP/1.1 client: httpx at 32 connections spent more CPU
per request (5-9 ms) than the API it measured (`--client httpx` to compare). Prints PASS/FAIL
per budget and exits 0 either way. `--worker-option KEY=JSON` (e.g. `poll_delay=0.01`) overrides
an arq option in every worker to try a change; `--py-spy DIR` records py-spy profiles (samples
holding the GIL, raw collapsed stacks) of the API and the workers during phase 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/ (this file shadows `queue`)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import timedelta  # noqa: E402
from typing import Any  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from arq.connections import ArqRedis, RedisSettings, create_pool  # noqa: E402
from arq.constants import result_key_prefix  # noqa: E402
from arq.jobs import Job  # noqa: E402

from bench.common import (  # noqa: E402
    UNTHROTTLED,
    api_server,
    bench_servers,
    cpu_seconds,
    percentile,
    start_child,
    stop_child,
    verdict,
)
from settings import Settings  # noqa: E402
from workers import keys  # noqa: E402

GENERATIONS_BUDGET = 200.0  # per second on this 2-core machine (ARCHITECTURE: 300)
START_P50_BUDGET_MS = 20.0
FUNDS_MICROS = 100_000_000  # $100 per user: hundreds of generations
CHARACTERS = ("Zorblax Quintar", "Mirelle Vantor", "Koshu Brightfen", "Tavi Olumbre")
TYPENAME_SECONDS = 3.0
SEND_SECONDS = 25.0  # phase 1 stops sending after this long (the run must stay short when the queue is slow)
DRAIN_SECONDS = 35.0  # and stops waiting for DRAFT this long after its start (keep_result keeps results 60 s)
PACED_DRAIN_SECONDS = 15.0
RENDER_DURATIONS = (5, 10)
RENDER_REPEATS = 3
# The stored media go to tmpfs by default. The run removes its ~4,000 files at the end, and on an
# ext4 file system without a journal (this machine's /) every file created in the next minutes
# scans past recently deleted inodes (the kernel's recently_deleted(), which a journaled ext4
# skips; perf: up to a third of the machine's CPU), so each run on disk slows the next (three in
# a row: 217.6, 223.1, 200.8 generations/s, against about 280 on tmpfs). `--media-parent /tmp`.
MEDIA_PARENT = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())

CREATE_REMIX = """
mutation Create($input: RemixInput!) {
  createRemix(input: $input) { video { id status } userErrors { code message } }
}
"""
CREATE_HOLDER = (
    "mutation($name: String!) { createHolder(input: {name: $name}) { holder { id } userErrors { message } } }"
)
CREATE_CHARACTER = """
mutation($input: CreateCharacterInput!) { createCharacter(input: $input) { character { id } userErrors { message } } }
"""
STATUS_COUNTS = "SELECT count(*) FILTER (WHERE status = 'DRAFT'), count(*) FILTER (WHERE status = 'FAILED') FROM videos"


# ---------------------------------------------------------------------------------------- workers


async def noop_job(ctx: dict[str, Any]) -> None:
    """The baseline job: arq's own cost of a job and nothing else."""


def worker_child(mode: str, options_json: str) -> None:
    """Body of a worker child process: `worker_settings(settings)` served as `fanreel worker` serves it."""
    from arq.worker import Worker as ArqWorker
    from arq.worker import func

    from cli import configure_logging
    from workers.settings import serve, worker_settings
    from workers.worker import Worker

    settings = Settings()
    configure_logging(settings)
    options = worker_settings(settings)
    if mode == "noop":
        options |= {"functions": [func(noop_job, name="noop")], "cron_jobs": [], "on_startup": None}
        options |= {"on_shutdown": None}
    options |= json.loads(options_json)
    startup = options["on_startup"]

    async def on_startup(ctx: dict[str, Any]) -> None:
        if startup is not None:
            await startup(ctx)
        print("READY", flush=True)

    options["on_startup"] = on_startup
    # The baseline runs on arq's own Worker: ours claims a poll's jobs at once and then waits for the
    # next poll, so no-op jobs (done in microseconds) would measure the poll delay, not a job's cost.
    serve(options, worker_class=ArqWorker if mode == "noop" else Worker)


class Workers:
    """`count` worker child processes; entered once every one has finished its startup."""

    def __init__(self, settings: Settings, count: int, mode: str, options: dict[str, Any]) -> None:
        self.args = [str(Path(__file__).resolve()), "--worker-mode", mode, "--worker-options", json.dumps(options)]
        self.settings, self.count = settings, count
        self.children: list[subprocess.Popen[bytes]] = []

    async def __aenter__(self) -> Workers:
        try:
            for _ in range(self.count):
                self.children.append(start_child(self.args, self.settings, stdout=subprocess.PIPE))
            for child in self.children:
                assert child.stdout is not None
                line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 60)
                if line.strip() != b"READY":
                    raise RuntimeError(f"a worker did not start (exit code {child.poll()})")
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        await asyncio.gather(*(asyncio.to_thread(stop_child, child) for child in self.children))

    @property
    def pids(self) -> list[int]:
        return [child.pid for child in self.children]


@dataclass(frozen=True)
class JobTimes:
    enqueued: float  # Unix seconds
    started: float
    finished: float
    tries: int
    success: bool
    job_id: str
    result: Any  # the exception of a failed job


async def job_times(redis: ArqRedis, job_id_prefix: str) -> list[JobTimes]:
    """The kept result of every job whose id starts with the prefix (keep_result keeps one 60 s)."""
    found = await redis.keys(f"{result_key_prefix}{job_id_prefix}*")
    ids = [key.decode()[len(result_key_prefix) :] for key in found]
    results = await asyncio.gather(*(Job(job_id, redis).result_info() for job_id in ids))
    return [
        JobTimes(
            r.enqueue_time.timestamp(),
            r.start_time.timestamp(),
            r.finish_time.timestamp(),
            r.job_try,
            r.success,
            job_id,
            r.result,
        )
        for job_id, r in zip(ids, results, strict=True)
        if r is not None  # expired since the listing
    ]


def start_latencies_ms(times: Sequence[JobTimes]) -> list[float]:
    return [(t.started - t.enqueued) * 1000 for t in times]


# ---------------------------------------------------------------------------------------- HTTP load


class RawHttpConnection:
    """One keep-alive HTTP/1.1 connection posting JSON: a load generator that costs the server's two
    cores far less than httpx (whose client side, measured here, used more CPU per request than the API)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int) -> RawHttpConnection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, host)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}", "Content-Type: application/json"]
        lines += [f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        self.writer.write("\r\n".join(lines).encode() + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
        if "content-length" in fields:
            return status, await self.reader.readexactly(int(fields["content-length"]))
        chunks = []  # transfer-encoding: chunked
        while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
        await self.reader.readuntil(b"\r\n")
        return status, b"".join(chunks)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


class LoadClient:
    """POSTs GraphQL bodies over a pool of keep-alive connections (raw), or through httpx."""

    def __init__(self, base_url: str, kind: str, size: int) -> None:
        url = httpx.URL(base_url)
        self.host, self.port, self.kind = url.host, url.port or 80, kind
        self.idle: list[RawHttpConnection] = []
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self.httpx = httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60)

    async def post(self, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if self.kind == "httpx":
            response = await self.httpx.post("/graphql", json=body, headers=headers)
            payload: dict[str, Any] = response.json()
            return payload
        data = json.dumps(body).encode()
        while self.idle:  # a kept-alive connection the server may have closed meanwhile (uvicorn: after 5 s idle)
            conn = self.idle.pop()
            try:
                return await self._post(conn, data, headers)
            except (asyncio.IncompleteReadError, ConnectionError):
                continue  # closed before it read the request: nothing was executed, so send it again
        return await self._post(await RawHttpConnection.open(self.host, self.port), data, headers)

    async def _post(self, conn: RawHttpConnection, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
        try:
            _, response = await conn.post("/graphql", data, headers)
        except BaseException:
            await conn.close()
            raise
        self.idle.append(conn)
        payload: dict[str, Any] = json.loads(response)
        return payload

    async def close(self) -> None:
        await self.httpx.aclose()
        for conn in self.idle:
            await conn.close()


@dataclass
class Responses:
    latencies: list[float]
    bodies: list[dict[str, Any]]
    failures: int = 0
    first_failure: str = ""


async def post_all(
    client: LoadClient,
    requests: Sequence[tuple[str | None, dict[str, Any]]],
    concurrency: int,
    deadline: float = float("inf"),
) -> Responses:
    """POST each (token, body) to /graphql, `concurrency` at a time, keeping each latency and body;
    no new request after `deadline` (time.monotonic())."""
    out = Responses([], [])
    pending = iter(requests)

    async def lane() -> None:
        for token, body in pending:
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            try:
                payload = await client.post(body, token)
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                payload = {"errors": [{"message": repr(exc)}]}
            out.latencies.append(time.perf_counter() - started)
            if payload.get("errors") or _user_errors(payload):
                out.failures += 1
                out.first_failure = out.first_failure or json.dumps(payload)[:300]
            else:
                out.bodies.append(payload)

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return out


def _user_errors(payload: dict[str, Any]) -> list[Any]:
    data = payload.get("data") or {}
    return [e for value in data.values() if isinstance(value, dict) for e in value.get("userErrors") or []]


async def typename_rate(client: LoadClient, concurrency: int, seconds: float) -> float:
    """Requests/s of `{ __typename }` for `seconds`: the HTTP stack and this client, no resolver work."""
    body = {"query": "{ __typename }"}
    count = 0
    deadline = time.perf_counter() + seconds

    async def lane() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            payload = await client.post(body)
            assert payload.get("data") == {"__typename": "Query"}, payload  # extensions (the query's cost) aside
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


# ---------------------------------------------------------------------------------------- data


async def seed(pool: asyncpg.Pool, client: LoadClient, users_count: int) -> tuple[list[str], list[str]]:
    """Users with bearer tokens and $100 wallets (SQL and `ledger_cli.grant`), and one studio's
    characters (through GraphQL); returns (tokens, character ids)."""
    from api.auth import hash_password, new_token
    from db.ledger_cli import grant
    from db.queries import tokens, users

    password_hash = await hash_password("bench password 1")  # argon2 once, not per user

    async def make_user(conn: asyncpg.Connection, handle: str) -> str:
        user = await users.insert_user(
            conn, handle=handle, display_name=handle, email=f"{handle}@example.com", password_hash=password_hash
        )
        token, digest = new_token()
        await tokens.insert_token(conn, token_hash=digest, user_id=user.id, ttl=timedelta(days=1))
        await grant(conn, handle=handle, amount_micros=FUNDS_MICROS)
        return token

    async def make_users(handles: Sequence[str]) -> list[str]:
        async with pool.acquire() as conn:
            return [await make_user(conn, handle) for handle in handles]

    handles = [f"bench{i}" for i in range(users_count)]
    chunks = [handles[i::8] for i in range(8)]
    made = await asyncio.gather(*(make_users(chunk) for chunk in chunks))
    user_tokens = [token for tokens_of_chunk in made for token in tokens_of_chunk]
    async with pool.acquire() as conn:
        owner = await make_user(conn, "benchstudio")
    body = {"query": CREATE_HOLDER, "variables": {"name": "Bench Studios"}}
    holder = (await client.post(body, owner))["data"]["createHolder"]
    assert not holder["userErrors"], holder
    async with pool.acquire() as conn:  # as an operator would: only verified holders' characters are licensed
        await conn.execute("UPDATE holders SET verification = 'VERIFIED' WHERE name = 'Bench Studios'")
    character_ids = []
    for name in CHARACTERS:
        policy = {
            "audience": "EVERYONE", "requiresReview": False, "allowDerivatives": True, "allowCrossovers": True,
            "blockedCoCharacterIds": [], "maxRating": "R", "bannedTerms": [], "maxDurationSeconds": 60,
            "attribution": f"{name} © Bench Studios", "revenueShareBps": 1000, "generationFee": "0.05",
            "onRestrict": "KEEP",
        }  # fmt: skip
        variables = {"input": {"holderId": holder["holder"]["id"], "name": name, "aliases": [], "policy": policy}}
        body = {"query": CREATE_CHARACTER, "variables": variables}
        payload = (await client.post(body, owner))["data"]["createCharacter"]
        assert not payload["userErrors"], payload
        character_ids.append(payload["character"]["id"])
    return user_tokens, character_ids


def remix_requests(tokens: Sequence[str], character_ids: Sequence[str], first: int, count: int) -> list[Any]:
    """createRemix bodies numbered first.., spread over the users, each tagging one licensed character."""
    requests = []
    for i in range(first, first + count):
        variables = {
            "input": {
                "prompt": f"Bench remix {i}: a friendly dragon dancing over rooftops at golden hour",
                "characterIds": [character_ids[i % len(character_ids)]],
                "durationSeconds": 5,
                "aspect": "PORTRAIT",
                "idempotencyKey": f"bench-{i}",
            }
        }
        requests.append((tokens[i % len(tokens)], {"query": CREATE_REMIX, "variables": variables}))
    return requests


async def wait_all_done(pool: asyncpg.Pool, expected: int, deadline: float) -> tuple[int, int, bool]:
    """Poll until `expected` videos are DRAFT or FAILED or time.monotonic() passes `deadline`;
    returns (drafted, failed, all done)."""
    while True:
        drafted, failed = await pool.fetchrow(STATUS_COUNTS)
        if drafted + failed >= expected:
            return drafted, failed, True
        if time.monotonic() > deadline:
            return drafted, failed, False
        await asyncio.sleep(0.02)


# ---------------------------------------------------------------------------------------- phases


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary_ms(values_ms: Sequence[float]) -> str:
    return f"p50 {percentile(values_ms, 0.5):.1f} ms, p99 {percentile(values_ms, 0.99):.1f} ms"


async def arq_noop_rate(
    settings: Settings, redis: ArqRedis, workers: int, options: dict[str, Any], jobs: int, concurrency: int
) -> tuple[float, list[float], list[float]]:
    """Jobs/s of a no-op arq job enqueued all at once (first enqueue → last finish), the enqueue→start
    latencies (ms) of that burst, and those of 20 jobs enqueued one every 50 ms on idle workers."""
    async with Workers(settings, workers, "noop", options):
        pending = iter(range(jobs))

        async def lane() -> None:
            for i in pending:
                await redis.enqueue_job("noop", _job_id=f"noop:{i}", _queue_name=keys.QUEUE)

        async def wait_for(count: int) -> None:
            deadline = time.monotonic() + DRAIN_SECONDS
            while time.monotonic() < deadline:
                if len(await redis.keys("arq:result:noop*")) >= count:
                    return
                await asyncio.sleep(0.02)

        started = time.time()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        await wait_for(jobs)
        await asyncio.sleep(1.0)  # let the workers go idle
        for i in range(20):
            await redis.enqueue_job("noop", _job_id=f"noop-paced:{i}", _queue_name=keys.QUEUE)
            await asyncio.sleep(0.05)
        await wait_for(jobs + 20)
    times = await job_times(redis, "noop")
    burst = [t for t in times if t.job_id.startswith("noop:")]
    paced = [t for t in times if t.job_id.startswith("noop-paced:")]
    rate = len(burst) / (max(t.finished for t in burst) - started)
    return rate, start_latencies_ms(burst), start_latencies_ms(paced)


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine (every core), from /proc/stat."""
    try:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    except (OSError, ValueError):
        return 0.0
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


class CpuMeter:
    """CPU seconds used over an interval by the given processes, by the PostgreSQL backends of this
    run's database and by the Redis server (when they run on this machine), this process, and the
    whole machine. Backends that exit during the interval are missed (the pools keep theirs)."""

    def __init__(self, pids: dict[str, list[int]], pool: asyncpg.Pool | None = None, redis: ArqRedis | None = None):
        self.pids, self.pool, self.redis = pids, pool, redis
        self.used: dict[str, float] = {}

    async def _groups(self) -> dict[str, list[int]]:
        groups = dict(self.pids)
        if self.pool is not None:
            rows = await self.pool.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            groups["PostgreSQL"] = [pid for (pid,) in rows if command_name(pid).startswith("postgres")]
        if self.redis is not None:
            pid = int((await self.redis.info("server"))["process_id"])
            groups["Redis"] = [pid] if command_name(pid).startswith("redis") else []
        return groups

    async def __aenter__(self) -> CpuMeter:
        groups = await self._groups()
        self.start = {pid: cpu_seconds([pid]) for pids in groups.values() for pid in pids}
        self.start_other = (time.process_time(), machine_cpu_seconds(), time.monotonic())
        return self

    async def __aexit__(self, *_: object) -> None:
        client, machine, wall = time.process_time(), machine_cpu_seconds(), time.monotonic()
        groups = await self._groups()
        self.used = {
            name: sum(cpu_seconds([pid]) - self.start.get(pid, 0.0) for pid in pids) for name, pids in groups.items()
        }
        self.used["bench client"] = client - self.start_other[0]
        self.machine, self.wall = machine - self.start_other[1], wall - self.start_other[2]

    def report(self, per: int, what: str) -> str:
        rest = self.machine - sum(self.used.values())
        parts = [f"{name} {seconds * 1000 / per:.2f} ms" for name, seconds in self.used.items()]
        cores = os.cpu_count() or 1
        return (
            f"CPU: machine {100 * self.machine / self.wall / cores:.0f}% busy of {cores} cores; per {what}: "
            f"{', '.join(parts)}, anything else on the machine {rest * 1000 / per:.2f} ms"
        )


def start_py_spy(directory: Path, pids: dict[str, int]) -> list[subprocess.Popen[bytes]]:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    directory.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(pid),
                "--rate",
                "100",
                "--format",
                "raw",
                "--nonblocking",
                "--gil",
                "--output",
                str(directory / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]


def stop_py_spy(recorders: Sequence[subprocess.Popen[bytes]]) -> None:
    for recorder in recorders:
        recorder.send_signal(signal.SIGINT)
    for recorder in recorders:
        try:
            recorder.wait(30)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait()


async def render_ratios() -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    """Wall seconds per video-second of LocalGenerator.render, and of a plain x264 encode of the
    same size, rate and length (the baseline), interleaved so that machine noise hits both alike."""
    from workers.generators.base import SIZES, Aspect, RenderRequest
    from workers.generators.local import FPS, LocalGenerator
    from workers.media import run_ffmpeg

    generator = LocalGenerator()
    width, height = SIZES[Aspect.PORTRAIT]
    local: dict[int, list[float]] = {d: [] for d in RENDER_DURATIONS}
    plain: dict[int, list[float]] = {d: [] for d in RENDER_DURATIONS}
    for _ in range(RENDER_REPEATS):
        for duration in RENDER_DURATIONS:
            with tempfile.TemporaryDirectory(prefix="fanreel-bench-") as workdir:
                request = RenderRequest(
                    video_id=uuid.uuid4(),
                    prompt="A friendly dragon and a knight dance over rooftops at golden hour, cinematic, slow motion",
                    duration_seconds=duration,
                    aspect=Aspect.PORTRAIT,
                    character_names=CHARACTERS[:2],
                    attributions=tuple(f"{name} © Bench Studios" for name in CHARACTERS[:2]),
                    metadata={"fanreel_provenance": json.dumps({"video_id": "bench", "characters": CHARACTERS})},
                )
                started = time.perf_counter()
                await generator.render_into(request, Path(workdir))
                local[duration].append((time.perf_counter() - started) / duration)
                source = f"color=c=black:s={width}x{height}:r={FPS}:d={duration}"
                encode = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-pix_fmt", "yuv420p"]
                started = time.perf_counter()
                await run_ffmpeg(
                    ["-f", "lavfi", "-i", source, *encode, "-an", "-f", "mp4", "-y", "plain.mp4"], cwd=Path(workdir)
                )
                plain[duration].append((time.perf_counter() - started) / duration)
    return local, plain


async def run(args: argparse.Namespace) -> None:
    options = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.worker_option)}
    started_run = time.perf_counter()
    async with bench_servers("bench_queue") as servers:
        media = tempfile.mkdtemp(prefix="fanreel-bench-media-", dir=args.media_parent)
        settings = Settings(
            database_url=servers.database_url,
            redis_url=servers.redis_url,
            media_dir=Path(media),
            generator="noop",
            storage="directory",
            log_level=args.log_level,
            max_active_generations_per_user=1_000_000,
            max_generations_per_day=1_000_000,
            **UNTHROTTLED,
        )
        where = (
            "embedded servers"
            if servers.embedded
            else f"PostgreSQL and Redis db {servers.redis_url.rsplit('/', 1)[-1]} from DATABASE_URL/REDIS_URL"
        )
        print(
            f"queue bench: {args.generations} createRemix from {args.users} users at concurrency {args.concurrency}, "
            f"{args.client} HTTP client, {args.workers} arq workers{f' with {options}' if options else ''}, "
            f"GENERATOR=noop, media under {args.media_parent}; {where}"
        )
        arq_redis = await create_pool(RedisSettings.from_dsn(servers.redis_url))
        pool = await asyncpg.create_pool(servers.database_url, min_size=2, max_size=8)
        assert pool is not None
        try:
            async with api_server(settings) as (base_url, api_pid):
                client = LoadClient(base_url, args.client, args.concurrency)
                try:
                    await _phases(args, settings, options, client, pool, arq_redis, api_pid)
                finally:
                    await client.close()
        finally:
            await pool.close()
            await arq_redis.aclose()
            shutil.rmtree(media, ignore_errors=True)
    if not args.skip_render:
        local, plain = await render_ratios()
        for duration in RENDER_DURATIONS:
            ratio = statistics.median(local[duration])
            print(
                f"local renderer, {duration:>2} s video: median {ratio * duration:.2f} s wall "
                f"= {ratio:.3f} s per video-second "
                f"(plain x264 encode baseline {statistics.median(plain[duration]):.3f} s/s)"
            )
        local_ratio = statistics.median([r for rs in local.values() for r in rs])
        plain_ratio = statistics.median([r for rs in plain.values() for r in rs])
        print(
            f"local renderer: median {local_ratio:.3f} s wall per video-second "
            f"over {RENDER_REPEATS}×{RENDER_DURATIONS} s; "
            f"{local_ratio / plain_ratio:.1f}× the plain encode baseline ({plain_ratio:.3f} s/s)"
        )
    print(f"whole run: {time.perf_counter() - started_run:.0f} s")


async def _phases(
    args: argparse.Namespace,
    settings: Settings,
    options: dict[str, Any],
    client: LoadClient,
    pool: asyncpg.Pool,
    arq_redis: ArqRedis,
    api_pid: int,
) -> None:
    # Baselines first, on an idle machine, with the same client, concurrency, worker count and options.
    await typename_rate(client, args.concurrency, 0.5)  # warm-up: connections, caches
    async with CpuMeter({"API": [api_pid]}) as meter:
        typename = await typename_rate(client, args.concurrency, TYPENAME_SECONDS)
    print(f"baseline {{ __typename }} through the same HTTP stack: {typename:.0f} requests/s")
    print(f"  {meter.report(round(typename * TYPENAME_SECONDS), 'request')}")
    noop_rate, noop_burst, noop_paced = await arq_noop_rate(
        settings, arq_redis, args.workers, options, args.noop_jobs, args.concurrency
    )
    print(
        f"baseline no-op job on arq's own Worker, same worker options, {args.workers} workers: "
        f"{args.noop_jobs} enqueued at once run at {noop_rate:.1f} jobs/s (enqueue→start {summary_ms(noop_burst)}); "
        f"one every 50 ms: enqueue→start {summary_ms(noop_paced)}"
    )
    tokens, character_ids = await seed(pool, client, args.users)

    async with Workers(settings, args.workers, "product", options) as workers:
        # Phase 1: as fast as the client can send (for at most SEND_SECONDS), timed to the last job's finish.
        requests = remix_requests(tokens, character_ids, 0, args.generations)
        pids = {"api": api_pid} | {f"worker{i}": pid for i, pid in enumerate(workers.pids)}
        recorders = start_py_spy(args.py_spy, pids) if args.py_spy else []
        meter = CpuMeter({"API": [api_pid], "workers (with their ffmpeg runs)": workers.pids}, pool, arq_redis)
        async with meter:
            began = time.monotonic()
            started = time.time()
            sent = await post_all(client, requests, args.concurrency, deadline=began + SEND_SECONDS)
            accepted_at = time.time()
            accepted = len(sent.bodies)
            drafted, failed, _ = await wait_all_done(pool, accepted, began + DRAIN_SECONDS)
            done_at = time.time()
        stop_py_spy(recorders)
        times = [t for t in await job_times(arq_redis, "generate:") if t.enqueued >= started]
        # To the last successful job's finish: a video left behind (see "stuck") does not stretch the time.
        end = max((t.finished for t in times if t.success), default=done_at)
        rate = drafted / (end - started)
        refused = f"; {sent.failures} createRemix failed, e.g. {sent.first_failure}" if sent.failures else ""
        stuck = accepted - drafted - failed
        crashed = [t for t in times if not t.success]
        print(
            f"createRemix → DRAFT: {accepted} accepted, {drafted} DRAFT, {failed} FAILED in {end - started:.2f} s"
            f"{f'; {stuck} still QUEUED/GENERATING after {DRAIN_SECONDS:.0f} s' if stuck else ''}{refused}"
        )
        if crashed:
            print(f"  {len(crashed)} generate jobs raised, e.g. {crashed[0].result!r:.200}")
        print(
            f"  = {rate:.1f} generations/s; {rate / noop_rate:.3f}× the no-op arq job rate, "
            f"{rate / typename:.3f}× the {{ __typename }} rate"
        )
        request_rate = accepted / (accepted_at - started)
        print(
            f"  createRemix requests: {request_rate:.1f}/s while the workers ran ({request_rate / typename:.3f}× "
            f"{{ __typename }}); latency {summary_ms([s * 1000 for s in sent.latencies])}"
        )
        retried = sum(1 for t in times if t.tries > 1)
        print(
            f"  generate job run time {summary_ms([(t.finished - t.started) * 1000 for t in times])}; {retried} retried"
        )
        print(f"  enqueue→start while saturated (mostly queueing): {summary_ms(start_latencies_ms(times))}")
        print(f"  {meter.report(max(drafted, 1), 'generation')}")

        # Phase 2: createRemix paced at half the measured rate, so that a job should find a free worker.
        await wait_all_done(pool, accepted, time.monotonic() + PACED_DRAIN_SECONDS)  # phase 1's backlog first
        pace = min(max(rate / 2, 2.0), 100.0)
        count = max(20, int(pace * 3))
        paced_started = time.time()
        paced = await post_paced(client, remix_requests(tokens, character_ids, args.generations, count), pace)
        await wait_all_done(pool, accepted + len(paced.bodies), time.monotonic() + PACED_DRAIN_SECONDS)
        paced_times = [t for t in await job_times(arq_redis, "generate:") if t.enqueued >= paced_started]
        paced_starts = start_latencies_ms(paced_times)
        print(
            f"enqueue→start at {pace:.1f} createRemix/s, half the measured rate ({len(paced_times)} jobs): "
            f"{summary_ms(paced_starts)}; "
            f"job run time {summary_ms([(t.finished - t.started) * 1000 for t in paced_times])}"
            f"; createRemix latency {summary_ms([s * 1000 for s in paced.latencies])}"
        )
    from db.ledger_cli import verify

    async with pool.acquire() as conn:
        problems = await verify(conn)
    print(f"ledger after the run: {'ok' if not problems else f'{len(problems)} discrepancies, e.g. {problems[0]}'}")
    print(
        verdict(
            rate >= GENERATIONS_BUDGET,
            f"{rate:.1f} generations/s ≥ {GENERATIONS_BUDGET:.0f} (2-core budget; ARCHITECTURE: 300)",
        )
    )
    p50 = percentile(paced_starts, 0.5)
    print(verdict(p50 <= START_P50_BUDGET_MS, f"enqueue→start p50 {p50:.1f} ms ≤ {START_P50_BUDGET_MS:.0f} ms"))


async def post_paced(client: LoadClient, requests: Sequence[tuple[str, Any]], per_second: float) -> Responses:
    """Send the requests open-loop at a fixed rate, each on its own task."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i, request in enumerate(requests):
        await asyncio.sleep(max(0.0, start + i / per_second - loop.time()))
        tasks.append(asyncio.create_task(post_all(client, [request], 1)))
    out = Responses([], [])
    for result in await asyncio.gather(*tasks):
        out.latencies += result.latencies
        out.bodies += result.bodies
        out.failures += result.failures
        out.first_failure = out.first_failure or result.first_failure
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--generations", type=int, default=1000, help="createRemix calls in phase 1")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="arq worker processes")
    parser.add_argument("--noop-jobs", type=int, default=400, help="jobs of the no-op arq baseline")
    parser.add_argument(
        "--worker-option", action="append", default=[], metavar="KEY=JSON", help="arq Worker option override"
    )
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw", help="HTTP client of the load")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of the API and workers")
    parser.add_argument(
        "--media-parent",
        type=Path,
        default=MEDIA_PARENT,
        help="where the run's media directory is made (default: tmpfs when the machine has one)",
    )
    parser.add_argument("--skip-render", action="store_true", help="skip the local renderer measurement")
    parser.add_argument("--py-spy", type=Path, metavar="DIR", help="record py-spy profiles of phase 1 into DIR")
    parser.add_argument("--worker-mode", help=argparse.SUPPRESS)
    parser.add_argument("--worker-options", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_mode:
        worker_child(args.worker_mode, args.worker_options)
        return 0
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
