"""Auth tokens: only a SHA-256 of each token is stored."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import asyncpg

INSERT_TOKEN = """
INSERT INTO auth_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, now() + $3::interval)
"""


async def insert_token(conn: asyncpg.Connection, *, token_hash: bytes, user_id: UUID, ttl: timedelta) -> None:
    await conn.execute(INSERT_TOKEN, token_hash, user_id, ttl)


# A suspended user's tokens stop working (RULES §10).
TOKEN_USER = """
SELECT t.user_id FROM auth_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now() AND u.suspended_at IS NULL
"""


async def token_user(conn: asyncpg.Connection, *, token_hash: bytes) -> UUID | None:
    user_id: UUID | None = await conn.fetchval(TOKEN_USER, token_hash)
    return user_id


REVOKE_TOKEN = "UPDATE auth_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL"


async def revoke_token(conn: asyncpg.Connection, *, token_hash: bytes) -> bool:
    return str(await conn.execute(REVOKE_TOKEN, token_hash)) == "UPDATE 1"
