"""Plumbing the bench scripts share: servers, a fresh database, child processes, percentiles.

`bench_servers()` gives a script a PostgreSQL database and a Redis db of its own: the servers
of DATABASE_URL / REDIS_URL (read through `settings.Settings`) when both are set, else the
embedded ones of `embedded.py` (data under `.fanreel/bench`). The database is created fresh,
migrated, and dropped at the end; the Redis db (3 unless told otherwise; never 0 or 11, which
dev and the tests use) is flushed before and after.

A script runs as `python bench/<name>.py` from the repository root and starts with
`sys.path[0] = <the repository>` (not `bench/`, whose queue.py would shadow the standard
library's `queue`) before `from bench.common import ...`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from redis.asyncio import Redis

from db.migrate import migrate
from embedded import EmbeddedServices, free_port
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BENCH_REDIS_DB = 3
PROTECTED_REDIS_DBS = frozenset({0, 11})  # dev's default db and the test suite's


@dataclass(frozen=True)
class BenchServers:
    database_url: str  # a fresh database of this run, migrated
    redis_url: str  # a Redis db of this run, flushed
    embedded: bool


# The benches load one server from one address and one user or device far faster than people do.
# The other servers they compare with have no rate limits, so ours are opened wide: every request
# still pays for its bucket (the Redis call), but none is refused, which would measure refusals.
UNTHROTTLED: dict[str, Any] = {
    "rate_limit_bucket_size": 1_000_000_000,
    "rate_limit_restore_rate": 1_000_000_000.0,
    "sign_up_bucket_size": 1_000_000_000,
    "record_views_bucket_size": 1_000_000_000,
    "record_views_restore_per_second": 1_000_000_000.0,
}


@asynccontextmanager
async def bench_servers(name: str = "bench", *, redis_db: int | None = None) -> AsyncIterator[BenchServers]:
    """A fresh migrated database `fanreel_<name>_<random>` and a flushed Redis db; both cleaned up after.

    The Redis db is `redis_db`, else the one REDIS_URL names unless that is 0 or 11, else 3.
    """
    configured = Settings()
    if redis_db is None:
        named = httpx.URL(configured.redis_url or "redis://x/0").path.strip("/")
        redis_db = int(named) if named.isdigit() and int(named) not in PROTECTED_REDIS_DBS else BENCH_REDIS_DB
    if redis_db in PROTECTED_REDIS_DBS:
        raise ValueError(f"Redis db {redis_db} is reserved (dev uses 0, the tests 11)")
    services: EmbeddedServices | None = None
    if configured.embedded:
        services = EmbeddedServices(ROOT / ".fanreel" / "bench", persist_redis=False)
        admin_url, server_redis_url = await asyncio.to_thread(services.start)
    else:
        assert configured.database_url and configured.redis_url
        admin_url, server_redis_url = configured.database_url, configured.redis_url
    database = f"fanreel_{name}_{uuid.uuid4().hex[:10]}"
    redis_url = str(httpx.URL(server_redis_url).copy_with(path=f"/{redis_db}"))
    redis = Redis.from_url(redis_url)
    admin: asyncpg.Connection | None = None
    try:
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'CREATE DATABASE "{database}"')
        database_url = with_database(admin_url, database)
        conn = await asyncpg.connect(database_url)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        await redis.flushdb()
        yield BenchServers(database_url, redis_url, embedded=services is not None)
    finally:
        try:
            await redis.flushdb()
            await redis.aclose()
            if admin is not None:
                try:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                finally:
                    await admin.close()
        finally:
            if services is not None:
                await asyncio.to_thread(services.stop)


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database (works for TCP and socket URLs)."""
    return str(httpx.URL(url).copy_with(path=f"/{name}"))


def settings_env(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment variables under which a child process reads exactly `settings`."""
    env = dict(os.environ if base is None else base)
    for key, value in settings.model_dump(mode="json").items():
        if value is None:
            env.pop(key.upper(), None)
        else:
            env[key.upper()] = json.dumps(value) if isinstance(value, list | dict) else str(value)
    return env


def start_child(args: Sequence[str], settings: Settings, **popen: object) -> subprocess.Popen[bytes]:
    """`python <args>` in the repository root, reading `settings` from its environment."""
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=settings_env(settings), **popen)  # type: ignore[call-overload, no-any-return]


def stop_child(child: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


@asynccontextmanager
async def api_server(settings: Settings, *, ready_within: float = 30.0) -> AsyncIterator[tuple[str, int]]:
    """`fanreel api` (uvicorn) on a free port in a child process; yields (base URL, pid) once /readyz is ok."""
    port = free_port()
    settings = settings.model_copy(update={"host": "127.0.0.1", "port": port})
    async with serving_child(["-m", "cli", "api"], settings, port, "the API", ready_within) as served:
        yield served


@asynccontextmanager
async def serving_child(
    args: list[str], settings: Settings, port: int, name: str, ready_within: float = 30.0
) -> AsyncIterator[tuple[str, int]]:
    """A child server process on `port`; yields (base URL, pid) once its /readyz answers 200, stops it after."""
    base_url = f"http://127.0.0.1:{port}"
    child = start_child(args, settings)
    try:
        deadline = time.monotonic() + ready_within
        async with httpx.AsyncClient(base_url=base_url) as client:
            while True:
                if child.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {child.returncode}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} was not ready within {ready_within} s")
                await asyncio.sleep(0.1)
        yield base_url, child.pid
    finally:
        await asyncio.to_thread(stop_child, child)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1); NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def verdict(passed: bool, what: str) -> str:
    return f"{'PASS' if passed else 'FAIL'}: {what}"


# ------------------------------------------------------------------------- CPU from /proc (Linux)

# The benches run beside other work on a shared machine: CPU per request, event or job is steadier
# than a rate.
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds of these processes so far, with their reaped children's (a
    worker's ffmpeg runs); 0 for any that is gone."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15]) / TICKS
    return total


# The connections' backends (autovacuum's work is left out).
BACKENDS = """
SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


@asynccontextmanager
async def cpu_of(database_url: str, pids: Sequence[int]) -> AsyncIterator[list[float]]:
    """CPU seconds spent during the block by `pids` and by the database's backends (those opened
    meanwhile counted from their start): the list yielded is filled in at the end."""
    spent: list[float] = []
    conn = await asyncpg.connect(database_url)
    try:
        backends = [row["pid"] for row in await conn.fetch(BACKENDS)]
        before = cpu_seconds(pids), cpu_seconds(backends)
        yield spent
        opened = [row["pid"] for row in await conn.fetch(BACKENDS) if row["pid"] not in backends]
        spent += [cpu_seconds(pids) - before[0], cpu_seconds(backends) - before[1] + cpu_seconds(opened)]
    finally:
        await conn.close()
