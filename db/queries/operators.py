"""The operator role: granted and revoked from the command line, checked by the API."""

from __future__ import annotations

from uuid import UUID

import asyncpg

IS_OPERATOR = "SELECT EXISTS (SELECT 1 FROM operator_grants WHERE user_id = $1 AND revoked_at IS NULL)"


async def is_operator(conn: asyncpg.Connection, *, user_id: UUID) -> bool:
    return bool(await conn.fetchval(IS_OPERATOR, user_id))


GRANT = """
INSERT INTO operator_grants (user_id) VALUES ($1)
ON CONFLICT (user_id) WHERE revoked_at IS NULL DO NOTHING
"""


async def grant(conn: asyncpg.Connection, *, user_id: UUID) -> bool:
    """True when the grant is new; False when the user already was an operator."""
    return str(await conn.execute(GRANT, user_id)) == "INSERT 0 1"


REVOKE = "UPDATE operator_grants SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL"


async def revoke(conn: asyncpg.Connection, *, user_id: UUID) -> bool:
    """True when a grant in force was revoked; False when the user was no operator."""
    return str(await conn.execute(REVOKE, user_id)) == "UPDATE 1"
