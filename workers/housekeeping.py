"""Periodic clean-up jobs."""

from __future__ import annotations

from typing import Any

# Expired and revoked tokens are kept a week for audit, then deleted.
PURGE_TOKENS = """
DELETE FROM auth_tokens
WHERE expires_at < now() - interval '7 days' OR revoked_at < now() - interval '7 days'
"""


async def purge_expired_tokens(ctx: dict[str, Any]) -> int:
    result: str = await ctx["pool"].execute(PURGE_TOKENS)
    return int(result.split()[-1])
