"""Migrations: applied once, recorded, idempotent, safe when processes start together."""

from __future__ import annotations

import asyncio
import json
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


async def test_0018_names_the_user_of_each_earlier_suspension(empty_database: str) -> None:
    """Suspensions decided before 0018 get their user: the reported user, the video's creator or the
    comment's author; other decisions none."""
    conn = await asyncpg.connect(empty_database)
    try:
        for migration in load_migrations():
            if migration.version < 18:
                await conn.execute(migration.sql)
        users = [
            await conn.fetchval(
                "INSERT INTO users (handle, display_name, email, password_hash) VALUES ($1, $1, $1, 'x') RETURNING id",
                f"user{n}",
            )
            for n in range(4)
        ]
        reporter, reported, creator, author = users
        video = await conn.fetchval(
            "INSERT INTO videos (creator_id, prompt, aspect, duration_seconds, rating) "
            "VALUES ($1, 'a kite', 'SQUARE', 5, 'G') RETURNING id",
            creator,
        )
        comment = json.dumps({"id": str(uuid.uuid4()), "author_id": str(author), "video_id": str(video)})
        subjects = [("User", reported, None), ("Video", video, None), ("Comment", uuid.uuid4(), comment)]
        for action in ("SUSPEND_USER", "DISMISS"):
            for kind, subject, snapshot in subjects:
                report = await conn.fetchval(
                    "INSERT INTO reports (reporter_id, subject_kind, subject_id, comment, reason) "
                    "VALUES ($1, $2, $3, $4, 'SPAM') ON CONFLICT DO NOTHING RETURNING id",
                    reporter if action == "SUSPEND_USER" else reported,
                    kind,
                    subject,
                    snapshot,
                )
                await conn.execute("INSERT INTO moderation_actions (report_id, action) VALUES ($1, $2)", report, action)

        await conn.execute(next(m.sql for m in load_migrations() if m.version == 18))
        rows = await conn.fetch("SELECT action, user_id FROM moderation_actions ORDER BY id")
        assert [(r["action"], r["user_id"]) for r in rows] == [
            ("SUSPEND_USER", reported),
            ("SUSPEND_USER", creator),
            ("SUSPEND_USER", author),
            ("DISMISS", None),
            ("DISMISS", None),
            ("DISMISS", None),
        ]
    finally:
        await conn.close()
