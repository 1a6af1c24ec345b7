"""Earnings reports: what a holder or a creator was credited in a time range, per UTC day and per item.

Exact sums of ledger money: view revenue from `revenue_credits` (the per-party breakdown written
with every VIEW_REVENUE transaction) and, for holders, license fees from the LICENSE_FEE entries
(split per character by the video's locked fees, which is how they were summed when posted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from db.queries import ledger


@dataclass(frozen=True)
class Bucket:
    key: date | UUID
    amount_micros: int
    views: int


@dataclass(frozen=True)
class Earnings:
    total_micros: int
    views: int
    by_day: tuple[Bucket, ...]  # oldest first
    by_item: tuple[Bucket, ...]  # largest first


# `credits` rows are (credit, created_at, item, amount, views): one row per item a credit paid.
# A credit's views count once per day and once per item, however many rows it has there.
_BUCKETS = """
, per_day AS (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, credit, sum(amount) AS amount, max(views) AS views
    FROM credits GROUP BY 1, 2
), per_item AS (
    SELECT item, credit, sum(amount) AS amount, max(views) AS views FROM credits GROUP BY 1, 2
)
SELECT day, NULL::uuid AS item, sum(amount)::bigint AS amount, sum(views)::bigint AS views FROM per_day GROUP BY day
UNION ALL
SELECT NULL, item, sum(amount)::bigint, sum(views)::bigint FROM per_item GROUP BY item
"""
HOLDER_EARNINGS = (
    """
WITH credits AS (
    SELECT credit_id AS credit, created_at, character_id AS item, amount_micros AS amount, views
    FROM revenue_credits WHERE holder_id = $1 AND created_at >= $2 AND created_at < $3
  UNION ALL
    SELECT t.id, t.created_at, l.character_id, l.generation_fee_micros, 0
    FROM ledger_accounts a
    JOIN ledger_entries e ON e.account_id = a.id
    JOIN ledger_transactions t ON t.id = e.transaction_id AND t.kind = 'LICENSE_FEE'
    JOIN video_licenses l ON l.video_id = t.video_id AND l.generation_fee_micros > 0
    JOIN characters c ON c.id = l.character_id AND c.holder_id = $1
    WHERE a.holder_id = $1 AND e.created_at >= $2 AND e.created_at < $3
)"""
    + _BUCKETS
)
CREATOR_EARNINGS = (
    """
WITH credits AS (
    SELECT credit_id AS credit, created_at, item_video_id AS item, amount_micros AS amount, views
    FROM revenue_credits WHERE user_id = $1 AND created_at >= $2 AND created_at < $3
)"""
    + _BUCKETS
)


async def holder_earnings(conn: asyncpg.Connection, *, holder_id: UUID, start: datetime, end: datetime) -> Earnings:
    """License fees and view revenue credited to the holder in [start, end); items are characters."""
    return _earnings(await conn.fetch(HOLDER_EARNINGS, holder_id, start, end))


async def creator_earnings(conn: asyncpg.Connection, *, user_id: UUID, start: datetime, end: datetime) -> Earnings:
    """View revenue credited to the user as a creator (own videos, and as a remix ancestor); items are their videos."""
    return _earnings(await conn.fetch(CREATOR_EARNINGS, user_id, start, end))


def _earnings(rows: list[asyncpg.Record]) -> Earnings:
    days = sorted((Bucket(r["day"], r["amount"], r["views"]) for r in rows if r["day"] is not None), key=_day)
    items = [Bucket(r["item"], r["amount"], r["views"]) for r in rows if r["item"] is not None]
    items.sort(key=lambda b: (-b.amount_micros, -b.views, str(b.key)))
    return Earnings(sum(b.amount_micros for b in days), sum(b.views for b in days), tuple(days), tuple(items))


def _day(bucket: Bucket) -> str:
    return str(bucket.key)


HOLDER_BALANCE = f"SELECT ({ledger.BALANCE})::bigint FROM ledger_accounts a WHERE a.holder_id = $1"


async def holder_balance(conn: asyncpg.Connection, *, holder_id: UUID) -> int:
    """The holder account's balance; 0 when it was never credited (and is not created by asking)."""
    micros: int | None = await conn.fetchval(HOLDER_BALANCE, holder_id)
    return micros or 0
