"""Shared fixtures: real PostgreSQL and Redis (embedded unless the URLs are set), one fresh
database per test session, a clean state before every test, and the ASGI app."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from redis.asyncio import Redis
from starlette.applications import Starlette

from api.app import create_app
from db.migrate import migrate
from db.pool import create_pool
from embedded import EmbeddedServices, free_port
from settings import Settings
from tests.helpers import TEST_DEVICE_SECRET, GraphQLClient

ROOT = Path(__file__).resolve().parent.parent
# Never 0: the CI's Redis may serve other things on its default db. FANREEL_TEST_REDIS_DB lets two
# suites run side by side on one Redis server.
TEST_REDIS_DB = int(os.environ.get("FANREEL_TEST_REDIS_DB", "11"))


@pytest.fixture(scope="session")
def server_urls() -> Iterator[tuple[str, str]]:
    """Admin URLs of a PostgreSQL and a Redis server: the configured ones, else embedded."""
    configured = Settings()
    if not configured.embedded:
        assert configured.database_url and configured.redis_url
        yield configured.database_url, configured.redis_url
        return
    services = EmbeddedServices(ROOT / ".fanreel" / "test", persist_redis=False)
    with services as urls:
        yield urls


@pytest.fixture(scope="session")
async def database_url(server_urls: tuple[str, str]) -> AsyncIterator[str]:
    """A database of its own for this test session, migrated, dropped at the end."""
    admin_url = server_urls[0]
    name = f"fanreel_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(admin_url, name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    try:
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database (works for TCP and socket URLs)."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(path=f"/{name}"))


@pytest.fixture(scope="session")
def settings(database_url: str, server_urls: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    redis_url = str(httpx.URL(server_urls[1]).copy_with(path=f"/{TEST_REDIS_DB}"))
    media = tmp_path_factory.mktemp("media")
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        media_dir=media,
        public_base_url="http://test",
        payment_webhook_secret="test-webhook-secret",
        # The suite signs up, logs in and records views from one address far faster than people do;
        # the limits themselves are tested at their edges in tests/api/hardening/.
        rate_limit_bucket_size=10_000_000,
        sign_up_bucket_size=100_000,
        record_views_bucket_size=100_000,
        log_in_free_failures=1000,
        log_in_free_failures_per_ip=1000,
        device_token_secret=TEST_DEVICE_SECRET,
        # Every test client is 127.0.0.1: tests of the per-IP cap build an app of their own with it.
        max_qualified_anon_views_per_ip_per_day=1_000_000,
        media_status_cache_seconds=0,  # a status change shows on /media at once, with no waiting
    )


@pytest.fixture(scope="session")
async def db_pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    assert settings.database_url
    pool = await create_pool(settings.database_url, min_size=1, max_size=5)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    assert settings.redis_url
    client = Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def clean_state(db_pool: asyncpg.Pool, redis: Redis) -> None:
    """Empty every table and the test Redis db (requested by `client` and `db`)."""
    async with db_pool.acquire() as conn:
        tables = await conn.fetchval(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
        )
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    await redis.flushdb()


@pytest.fixture
def db(clean_state: None, db_pool: asyncpg.Pool) -> asyncpg.Pool:
    """The pool, on a clean database."""
    return db_pool


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette, clean_state: None, db_pool: asyncpg.Pool) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield GraphQLClient(http, db_pool)


@pytest.fixture
async def live_server(settings: Settings, clean_state: None) -> AsyncIterator[str]:
    """A running uvicorn for the WebSocket tests: its ws:// URL."""
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=free_port(), log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # up to 10 s
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"ws://127.0.0.1:{server.config.port}/graphql"
    server.should_exit = True
    await task
