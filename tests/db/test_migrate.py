"""Migrations: applied once, recorded, idempotent, safe when processes start together."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from db.migrate import load_migrations, migrate, migrate_url
from tests.conftest import with_database


@pytest.fixture
async def empty_database(server_urls: tuple[str, str]) -> AsyncIterator[str]:
    admin = await asyncpg.connect(server_urls[0])
    name = f"fanreel_migrate_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server_urls[0], name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_migrating_twice_applies_nothing_the_second_time(empty_database: str) -> None:
    first = await migrate_url(empty_database)
    assert first == [m.name for m in load_migrations()]
    assert await migrate_url(empty_database) == []


async def test_concurrent_migrations_apply_each_file_once(empty_database: str) -> None:
    results = await asyncio.gather(*(migrate_url(empty_database) for _ in range(4)))
    applied = [name for result in results for name in result]
    assert sorted(applied) == sorted(m.name for m in load_migrations())
    conn = await asyncpg.connect(empty_database)
    try:
        versions = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in versions] == [m.version for m in load_migrations()]
        assert await migrate(conn) == []
    finally:
        await conn.close()


def test_migration_files_are_numbered_without_gaps() -> None:
    # Numbers are handed out per issue, so a branch may skip the numbers of branches not merged yet.
    versions = [m.version for m in load_migrations()]
    assert versions == sorted(set(versions)) and versions[0] == 1


async def test_every_constraint_is_named(db_pool: asyncpg.Pool) -> None:
    # PostgreSQL's generated names end in _check/_fkey/_key/_pkey/_not_null; ours say what they guard.
    unnamed = await db_pool.fetch(
        """
        SELECT conrelid::regclass::text AS table_name, conname FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND contype IN ('c', 'f')
          AND conname ~ '_check$|_check[0-9]+$|^[a-z_]+_[a-z_]+_fkey[0-9]+$'
        """
    )
    assert [dict(r) for r in unnamed] == []
