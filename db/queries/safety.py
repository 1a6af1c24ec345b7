"""Blocks and suspensions: who may not see or reach whom (RULES §10).

`hidden_creator` is the one SQL condition every public list of videos applies: the video's creator
is suspended, or the viewer ($1, NULL when signed out) and the creator have blocked each other in
either direction. Each part is an index probe per row, so a list filters rows in its own order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg


def blocked_between(viewer: str, other: str) -> str:
    """SQL: a block between the users `viewer` and `other` (SQL expressions), in either direction."""
    return (
        f"(EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = {viewer} AND b.blocked_id = {other})"
        f" OR EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = {other} AND b.blocked_id = {viewer}))"
    )


def hidden_user(viewer: str, user: str) -> str:
    """SQL: `user` is suspended or in a block with `viewer`."""
    return (
        f"(EXISTS (SELECT 1 FROM users su WHERE su.id = {user} AND su.suspended_at IS NOT NULL)"
        f" OR {blocked_between(viewer, user)})"
    )


def hidden_creator(video: str) -> str:
    """SQL: the creator of the video aliased `video` is hidden from the viewer $1."""
    return hidden_user("$1", f"{video}.creator_id")


BLOCK = """
INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
"""
UNBLOCK = "DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2 RETURNING 1"


async def block(conn: asyncpg.Connection, *, blocker_id: UUID, blocked_id: UUID, block: bool) -> bool:
    """True when the block changed."""
    return await conn.fetchval(BLOCK if block else UNBLOCK, blocker_id, blocked_id) is not None


BLOCKS_OF = """
SELECT blocked_id AS user_id FROM user_blocks WHERE blocker_id = $1
UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = $1
"""


async def blocks_of(conn: asyncpg.Connection, *, user_id: UUID) -> frozenset[UUID]:
    """Every user in a block with `user_id`, whichever made it."""
    return frozenset(row["user_id"] for row in await conn.fetch(BLOCKS_OF, user_id))


IS_BLOCKED = f"SELECT {blocked_between('$1::uuid', '$2::uuid')}"


async def is_blocked(conn: asyncpg.Connection, *, user_id: UUID, other_id: UUID) -> bool:
    return bool(await conn.fetchval(IS_BLOCKED, user_id, other_id))


@dataclass(frozen=True)
class Blocked:
    user_id: UUID
    created_at: datetime


BLOCKED_BY = """
SELECT blocked_id, created_at FROM user_blocks
WHERE blocker_id = $1 AND ($2::timestamptz IS NULL OR (created_at, blocked_id) < ($2::timestamptz, $3::uuid))
ORDER BY created_at DESC, blocked_id DESC LIMIT $4
"""


async def blocked_by(
    conn: asyncpg.Connection, *, user_id: UUID, after: tuple[datetime, UUID] | None, limit: int
) -> list[Blocked]:
    """The users `user_id` blocked, most recent first."""
    created_at, last_id = after if after else (None, None)
    rows = await conn.fetch(BLOCKED_BY, user_id, created_at, last_id, limit)
    return [Blocked(row["blocked_id"], row["created_at"]) for row in rows]


SUSPENDED_AMONG = "SELECT id FROM users WHERE id = ANY($1::uuid[]) AND suspended_at IS NOT NULL"


async def suspended_among(conn: asyncpg.Connection, *, user_ids: Sequence[UUID]) -> set[UUID]:
    return {row["id"] for row in await conn.fetch(SUSPENDED_AMONG, list(user_ids))}


SUSPEND = "UPDATE users SET suspended_at = now() WHERE id = $1 AND suspended_at IS NULL"


async def suspend(conn: asyncpg.Connection, *, user_id: UUID) -> None:
    await conn.execute(SUSPEND, user_id)


# The tokens from before the suspension stay dead (they may be why it happened: a stolen session);
# none was issued during it, so the user logs in again.
UNSUSPEND = """
WITH lifted AS (UPDATE users SET suspended_at = NULL WHERE id = $1 AND suspended_at IS NOT NULL RETURNING id),
revoked AS (UPDATE auth_tokens SET revoked_at = now() WHERE user_id IN (SELECT id FROM lifted) AND revoked_at IS NULL)
SELECT count(*) FROM lifted
"""


async def unsuspend(conn: asyncpg.Connection, *, user_id: UUID) -> bool:
    """Lift the user's suspension and revoke their tokens; False when they were not suspended."""
    return bool(await conn.fetchval(UNSUSPEND, user_id))
