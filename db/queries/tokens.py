"""Auth tokens: only a SHA-256 of each token is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import asyncpg

INSERT_TOKEN = """
INSERT INTO auth_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, now() + $3::interval)
"""


async def insert_token(conn: asyncpg.Connection, *, token_hash: bytes, user_id: UUID, ttl: timedelta) -> None:
    await conn.execute(INSERT_TOKEN, token_hash, user_id, ttl)


@dataclass(frozen=True)
class TokenOwner:
    user_id: UUID
    suspended: bool  # a suspended user's tokens stop working (RULES §10)


TOKEN_OWNER = """
SELECT t.user_id, u.suspended_at IS NOT NULL AS suspended FROM auth_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now()
"""


async def token_owner(conn: asyncpg.Connection, *, token_hash: bytes) -> TokenOwner | None:
    """Whose token this is; None when it is unknown, revoked or expired."""
    row = await conn.fetchrow(TOKEN_OWNER, token_hash)
    return TokenOwner(row["user_id"], row["suspended"]) if row else None


REVOKE_TOKEN = "UPDATE auth_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL"


async def revoke_token(conn: asyncpg.Connection, *, token_hash: bytes) -> bool:
    return str(await conn.execute(REVOKE_TOKEN, token_hash)) == "UPDATE 1"
