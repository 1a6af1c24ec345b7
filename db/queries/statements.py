"""What a monthly statement reads: an account's balance before the month, and its entries in it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

OPENING = "SELECT coalesce(sum(amount_micros), 0)::bigint FROM ledger_entries WHERE account_id = $1 AND created_at < $2"
ENTRIES = """
SELECT e.created_at, t.kind, e.amount_micros, t.video_id, t.memo
FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
WHERE e.account_id = $1 AND e.created_at >= $2 AND e.created_at < $3
ORDER BY e.created_at, e.id
"""


async def opening_balance(conn: asyncpg.Connection, *, account_id: UUID, before: datetime) -> int:
    micros: int = await conn.fetchval(OPENING, account_id, before)
    return micros


async def entries_between(
    conn: asyncpg.Connection, *, account_id: UUID, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    return list(await conn.fetch(ENTRIES, account_id, start, end))
