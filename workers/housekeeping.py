"""Periodic clean-up jobs."""

from __future__ import annotations

from typing import Any

from db.queries import ledger

# Expired and revoked tokens are kept a week for audit, then deleted.
PURGE_TOKENS = """
DELETE FROM auth_tokens
WHERE expires_at < now() - interval '7 days' OR revoked_at < now() - interval '7 days'
"""


async def purge_expired_tokens(ctx: dict[str, Any]) -> int:
    result: str = await ctx["pool"].execute(PURGE_TOKENS)
    return int(result.split()[-1])


async def fold_pending_balances(ctx: dict[str, Any]) -> int:
    """Move the ledger's pending balance changes into the accounts (db/migrations/0009)."""
    async with ctx["pool"].acquire() as conn:
        return await ledger.fold_pending_balances(conn)
