"""Users: accounts, their auth tokens, and lookups by id, handle or email."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg


@dataclass(slots=True)  # read-only; not frozen: a frozen __init__ costs 5x (list pages make hundreds)
class User:
    id: UUID
    handle: str
    display_name: str
    created_at: datetime
    follower_count: int
    following_count: int


USER_COLUMNS = "id, handle, display_name, created_at, follower_count, following_count"


def _user(row: asyncpg.Record) -> User:
    return User(
        id=row["id"],
        handle=row["handle"],
        display_name=row["display_name"],
        created_at=row["created_at"],
        follower_count=row["follower_count"],
        following_count=row["following_count"],
    )


INSERT_USER = f"""
INSERT INTO users (handle, display_name, email, password_hash)
VALUES ($1, $2, $3, $4)
RETURNING {USER_COLUMNS}
"""


async def insert_user(
    conn: asyncpg.Connection, *, handle: str, display_name: str, email: str, password_hash: str
) -> User:
    return _user(await conn.fetchrow(INSERT_USER, handle, display_name, email, password_hash))


GET_USERS = f"SELECT {USER_COLUMNS} FROM users WHERE id = ANY($1::uuid[])"


async def get_users(conn: asyncpg.Connection, *, user_ids: Sequence[UUID]) -> list[User]:
    return [_user(row) for row in await conn.fetch(GET_USERS, list(user_ids))]


GET_USER_BY_HANDLE = f"SELECT {USER_COLUMNS} FROM users WHERE handle = lower($1)"


async def get_user_by_handle(conn: asyncpg.Connection, *, handle: str) -> User | None:
    row = await conn.fetchrow(GET_USER_BY_HANDLE, handle.lstrip("@"))
    return _user(row) if row else None


@dataclass(frozen=True)
class Credentials:
    user_id: UUID
    password_hash: str
    suspended: bool


GET_CREDENTIALS = """
SELECT id, password_hash, suspended_at IS NOT NULL AS suspended FROM users WHERE handle = lower($1) OR email = lower($1)
"""


async def get_credentials(conn: asyncpg.Connection, *, handle_or_email: str) -> Credentials | None:
    row = await conn.fetchrow(GET_CREDENTIALS, handle_or_email.strip().lstrip("@"))
    return Credentials(row["id"], row["password_hash"], row["suspended"]) if row else None


UPDATE_PASSWORD_HASH = "UPDATE users SET password_hash = $2 WHERE id = $1"


async def update_password_hash(conn: asyncpg.Connection, *, user_id: UUID, password_hash: str) -> None:
    await conn.execute(UPDATE_PASSWORD_HASH, user_id, password_hash)


VIEWER_FOLLOWS = "SELECT followee_id FROM user_follows WHERE follower_id = $1 AND followee_id = ANY($2::uuid[])"


async def followed_among(conn: asyncpg.Connection, *, follower_id: UUID, user_ids: Sequence[UUID]) -> set[UUID]:
    return {row["followee_id"] for row in await conn.fetch(VIEWER_FOLLOWS, follower_id, list(user_ids))}
