"""What "public media only for PUBLISHED videos" costs the /media route (RULES §11, issue 16):
`python bench/media_access.py` from the repository root.

In one run, against a fresh database (see bench/common.py), in-process (ASGI, no network):
GETs of one small published video file (1) unsigned with no status cache (a primary-key lookup
per request), (2) unsigned with the default 1 s per-process cache (MEDIA_STATUS_CACHE_SECONDS),
and (3) signed, which never asks the database: the baseline. No budget: it prints the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/

import asyncio  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from api.app import create_app  # noqa: E402
from bench.common import bench_servers  # noqa: E402
from settings import Settings  # noqa: E402
from workers.storage.signing import UrlSigner  # noqa: E402

REQUESTS = 3000
CASES = (("unsigned, no status cache", 0.0, False), ("unsigned, 1 s status cache", 1.0, False),
         ("signed (no lookup)", 0.0, True))  # fmt: skip


async def published_file(database_url: str, media: Path) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        user = await conn.fetchval(
            "INSERT INTO users (handle, display_name, email, password_hash) "
            "VALUES ('bench', 'Bench', 'bench@example.com', 'x') RETURNING id"
        )
        video = await conn.fetchval(
            "INSERT INTO videos (creator_id, prompt, aspect, duration_seconds, rating, status, published_at) "
            "VALUES ($1, 'p', 'PORTRAIT', 5, 'G', 'PUBLISHED', now()) RETURNING id",
            user,
        )
    finally:
        await conn.close()
    key = f"videos/{video}/video.mp4"
    (media / key).parent.mkdir(parents=True)
    (media / key).write_bytes(b"\0" * 4096)
    return key


async def run() -> None:
    async with bench_servers("media") as servers:
        media = Path(tempfile.mkdtemp(prefix="fanreel-bench-media-"))
        try:
            await measure(servers.database_url, servers.redis_url, media)
        finally:
            shutil.rmtree(media, ignore_errors=True)


async def measure(database_url: str, redis_url: str, media: Path) -> None:
    key = await published_file(database_url, media)
    for label, cache, signed in CASES:
        settings = Settings(
            database_url=database_url,
            redis_url=redis_url,
            media_dir=media,
            media_status_cache_seconds=cache,
            log_level="WARNING",
        )
        app = create_app(settings)
        query = f"?{UrlSigner(settings.url_signing_secret).query(key, 600)}" if signed else ""
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
        ):
            for _ in range(200):  # warm up
                assert (await client.get(f"/media/{key}{query}")).status_code == 200
            started = time.perf_counter()
            for _ in range(REQUESTS):
                await client.get(f"/media/{key}{query}")
            seconds = time.perf_counter() - started
        print(f"{label}: {REQUESTS / seconds:,.0f} requests/s, {seconds / REQUESTS * 1e6:,.0f} µs each")


if __name__ == "__main__":
    asyncio.run(run())
