"""Factories for the views and revenue tests: users, holders, characters and videos written with SQL.

Videos are made PUBLISHED (or any state) directly, which keeps the tests fast and independent of
the generation pipeline; tests/api/views/test_revenue.py also runs the real createRemix →
worker → publishVideo path once.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from api.ids import from_global_id
from db.queries import ledger
from db.queries.ledger import AccountKind

_sequence = itertools.count(1)
HOUR_AGO = timedelta(hours=1)


def uuid_of(global_id: str) -> UUID:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]


async def new_user(conn: asyncpg.Connection) -> UUID:
    n = next(_sequence)
    user_id: UUID = await conn.fetchval(
        "INSERT INTO users (handle, display_name, email, password_hash) VALUES ($1, $1, $1 || '@example.com', 'x') "
        "RETURNING id",
        f"viewfan{n}",
    )
    return user_id


async def new_holder(conn: asyncpg.Connection, *members: UUID) -> UUID:
    holder_id: UUID = await conn.fetchval(
        "INSERT INTO holders (name, kind) VALUES ($1, 'ORGANIZATION') RETURNING id", f"Holder {next(_sequence)}"
    )
    for member in members:
        await conn.execute("INSERT INTO holder_members (holder_id, user_id) VALUES ($1, $2)", holder_id, member)
    return holder_id


async def new_character(conn: asyncpg.Connection, holder_id: UUID, share_bps: int) -> UUID:
    character_id: UUID = await conn.fetchval(
        "INSERT INTO characters (holder_id, name, kind) VALUES ($1, $2, 'FICTIONAL') RETURNING id",
        holder_id,
        f"Character {next(_sequence)}",
    )
    await conn.execute(
        "INSERT INTO character_policies (character_id, version, audience, requires_review, allow_derivatives, "
        "allow_crossovers, max_rating, max_duration_seconds, revenue_share_bps, generation_fee_micros, on_restrict) "
        "VALUES ($1, 1, 'EVERYONE', false, true, true, 'R', 60, $2, 0, 'KEEP')",
        character_id,
        share_bps,
    )
    return character_id


async def new_video(
    conn: asyncpg.Connection,
    creator_id: UUID,
    *,
    licenses: Sequence[tuple[UUID, int]] = (),
    remix_of: UUID | None = None,
    duration_seconds: int = 10,
    status: str = "PUBLISHED",
    published_at: datetime | Any | None = ...,
    unpublished_at: datetime | None = None,
) -> UUID:
    """A video with the given (character, locked share) licenses; PUBLISHED an hour ago unless told otherwise."""
    if published_at is ...:
        published_at = datetime.now(UTC) - HOUR_AGO if status in ("PUBLISHED", "TAKEN_DOWN", "DELETED") else None
    video_id: UUID = await conn.fetchval(
        "INSERT INTO videos (creator_id, prompt, aspect, duration_seconds, rating, remix_of_id, status, "
        "published_at, unpublished_at) VALUES ($1, 'a test video', 'PORTRAIT', $2, 'G', $3, $4, $5, $6) RETURNING id",
        creator_id,
        duration_seconds,
        remix_of,
        status,
        published_at,
        unpublished_at,
    )
    for position, (character_id, share_bps) in enumerate(licenses, start=1):
        await conn.execute(
            "INSERT INTO video_licenses (video_id, character_id, position, policy_version, revenue_share_bps, "
            "generation_fee_micros) VALUES ($1, $2, $3, 1, $4, 0)",
            video_id,
            character_id,
            position,
            share_bps,
        )
    return video_id


async def new_videos(conn: asyncpg.Connection, creator_id: UUID, count: int) -> list[UUID]:
    """`count` published videos without characters, in one statement."""
    rows = await conn.fetch(
        "INSERT INTO videos (creator_id, prompt, aspect, duration_seconds, rating, status, published_at) "
        "SELECT $1, 'bulk ' || n, 'PORTRAIT', 10, 'G', 'PUBLISHED', now() - interval '1 hour' "
        "FROM generate_series(1, $2) AS n RETURNING id",
        creator_id,
        count,
    )
    return [row["id"] for row in rows]


async def set_published(conn: asyncpg.Connection, video_id: UUID, at: datetime | None = None) -> None:
    """Marks a video PUBLISHED with SQL (what publishVideo does, without its review rules)."""
    await conn.execute(
        "UPDATE videos SET status = 'PUBLISHED', published_at = $2 WHERE id = $1",
        video_id,
        at or datetime.now(UTC) - HOUR_AGO,
    )


async def take_down(conn: asyncpg.Connection, video_id: UUID, at: datetime) -> None:
    await conn.execute("UPDATE videos SET status = 'TAKEN_DOWN', unpublished_at = $2 WHERE id = $1", video_id, at)


async def holder_balance(conn: asyncpg.Connection, holder_id: UUID) -> int:
    micros: int | None = await conn.fetchval(
        f"SELECT {ledger.BALANCE} FROM ledger_accounts a WHERE a.holder_id = $1", holder_id
    )
    return micros or 0


async def wallet_balance(conn: asyncpg.Connection, user_id: UUID) -> int:
    return await ledger.wallet_balance(conn, user_id=user_id)


async def platform_balance(conn: asyncpg.Connection) -> int:
    return await ledger.balance(conn, account_id=await ledger.system_account(conn, AccountKind.PLATFORM))


async def seed_qualified_views(conn: asyncpg.Connection, video_id: UUID, views: int) -> None:
    """`views` qualified views by as many anonymous viewers, waiting to be credited (as recordViews leaves them)."""
    await conn.execute(
        "INSERT INTO view_events (viewer_id, client_event_id, anonymous, video_id, watched_ms, occurred_at, "
        "received_at, day, qualified) SELECT gen_random_uuid(), 'seeded', true, $1, 5000, now(), now(), "
        "(now() AT TIME ZONE 'UTC')::date, true "
        "FROM generate_series(1, $2)",
        video_id,
        views,
    )
    await conn.execute("INSERT INTO uncredited_views (video_id, views) VALUES ($1, $2)", video_id, views)
