"""Payouts (RULES §9): destinations, requests, and what an account may withdraw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from db.queries.ledger import BALANCE


@dataclass(frozen=True)
class Payout:
    id: UUID
    account_id: UUID
    requested_by: UUID
    amount_micros: int
    destination: str
    status: str
    idempotency_key: str | None
    provider_reference: str | None
    failure_reason: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    settled_at: datetime | None


COLUMNS = """p.id, p.account_id, p.requested_by, p.amount_micros, p.destination, p.status, p.idempotency_key,
p.provider_reference, p.failure_reason, p.attempts, p.created_at, p.updated_at, p.settled_at"""


def _payout(row: asyncpg.Record) -> Payout:
    return Payout(**dict(row))


SET_DESTINATION = """
INSERT INTO payout_destinations (account_id, destination) VALUES ($1, $2)
ON CONFLICT (account_id) DO UPDATE SET destination = $2, updated_at = now()
"""
DESTINATION = "SELECT destination FROM payout_destinations WHERE account_id = $1"


async def set_destination(conn: asyncpg.Connection, *, account_id: UUID, destination: str) -> None:
    await conn.execute(SET_DESTINATION, account_id, destination)


async def destination(conn: asyncpg.Connection, *, account_id: UUID) -> str | None:
    found: str | None = await conn.fetchval(DESTINATION, account_id)
    return found


# Revenue: what was credited to the account as earnings (never a top-up or a refund of a charge).
REVENUE_KINDS = ["VIEW_REVENUE", "CLAIM_RELEASE", "LICENSE_FEE"]
FIGURES = f"""
SELECT
    coalesce(sum(e.amount_micros) FILTER (WHERE e.created_at <= $2), 0)::bigint AS earned_before_hold,
    coalesce(sum(e.amount_micros) FILTER (WHERE e.created_at > $2), 0)::bigint AS earned_recently,
    (SELECT coalesce(sum(amount_micros), 0) FROM payouts WHERE account_id = $1 AND status <> 'FAILED')::bigint
        AS committed,
    (SELECT coalesce(sum(amount_micros), 0) FROM payouts WHERE account_id = $1 AND status = 'PAID')::bigint
        AS paid_out,
    (SELECT ({BALANCE})::bigint FROM ledger_accounts a WHERE a.id = $1) AS balance
FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
WHERE e.account_id = $1 AND t.kind = ANY($3::text[])
"""
# Revenue held by open claims on the user's videos, or filed by the holder: not available yet.
HELD_FOR_CREATOR = """
SELECT coalesce(sum(c.held_micros), 0)::bigint FROM claims c JOIN videos v ON v.id = c.video_id
WHERE v.creator_id = $1 AND c.status IN ('OPEN', 'DISPUTED')
"""
HELD_FOR_HOLDER = """
SELECT coalesce(sum(held_micros), 0)::bigint FROM claims WHERE holder_id = $1 AND status IN ('OPEN', 'DISPUTED')
"""


@dataclass(frozen=True)
class Figures:
    earned_before_hold: int
    earned_recently: int
    committed: int  # requested or paid out
    paid_out: int
    balance: int
    held: int


async def figures(
    conn: asyncpg.Connection, *, account_id: UUID, hold_cutoff: datetime, user_id: UUID | None, holder_id: UUID | None
) -> Figures:
    row = await conn.fetchrow(FIGURES, account_id, hold_cutoff, REVENUE_KINDS)
    if user_id is not None:
        held = await conn.fetchval(HELD_FOR_CREATOR, user_id)
    else:
        held = await conn.fetchval(HELD_FOR_HOLDER, holder_id)
    return Figures(**dict(row), held=held)


INSERT = f"""
INSERT INTO payouts AS p (id, account_id, requested_by, amount_micros, destination, idempotency_key,
                          request_transaction_id)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}
"""


async def insert_payout(
    conn: asyncpg.Connection,
    *,
    payout_id: UUID,
    account_id: UUID,
    requested_by: UUID,
    amount_micros: int,
    destination: str,
    idempotency_key: str | None,
    transaction_id: UUID,
) -> Payout:
    row = await conn.fetchrow(
        INSERT, payout_id, account_id, requested_by, amount_micros, destination, idempotency_key, transaction_id
    )
    return _payout(row)


BY_KEY = f"SELECT {COLUMNS} FROM payouts p WHERE p.account_id = $1 AND p.idempotency_key = $2"
GET = f"SELECT {COLUMNS} FROM payouts p WHERE p.id = ANY($1::uuid[])"
LOCK = f"SELECT {COLUMNS} FROM payouts p WHERE p.id = $1 FOR UPDATE"


async def by_idempotency_key(conn: asyncpg.Connection, *, account_id: UUID, key: str) -> Payout | None:
    row = await conn.fetchrow(BY_KEY, account_id, key)
    return _payout(row) if row else None


async def get_payouts(conn: asyncpg.Connection, *, payout_ids: list[UUID]) -> list[Payout]:
    return [_payout(row) for row in await conn.fetch(GET, payout_ids)]


async def lock_payout(conn: asyncpg.Connection, *, payout_id: UUID) -> Payout | None:
    row = await conn.fetchrow(LOCK, payout_id)
    return _payout(row) if row else None


PAGE = f"""
SELECT {COLUMNS} FROM payouts p
WHERE p.account_id = $1 AND ($2::timestamptz IS NULL OR (p.created_at, p.id) < ($2::timestamptz, $3::uuid))
ORDER BY p.created_at DESC, p.id DESC LIMIT $4
"""


async def payouts_of(
    conn: asyncpg.Connection, *, account_id: UUID, after: tuple[datetime, UUID] | None, limit: int
) -> list[Payout]:
    created_at, last_id = after if after else (None, None)
    return [_payout(row) for row in await conn.fetch(PAGE, account_id, created_at, last_id, limit)]


SENDING = """
UPDATE payouts SET attempts = attempts + 1, updated_at = now() WHERE id = $1 AND status = 'PENDING'
RETURNING attempts
"""
REFERENCE = "UPDATE payouts SET provider_reference = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING'"
SETTLE = """
UPDATE payouts SET status = $2, failure_reason = $3, settle_transaction_id = $4, settled_at = now(), updated_at = now()
WHERE id = $1 AND status = 'PENDING'
"""


async def mark_sending(conn: asyncpg.Connection, *, payout_id: UUID) -> int | None:
    """Count one more attempt of a PENDING payout; None when it is settled already."""
    attempts: int | None = await conn.fetchval(SENDING, payout_id)
    return attempts


async def set_reference(conn: asyncpg.Connection, *, payout_id: UUID, reference: str) -> None:
    await conn.execute(REFERENCE, payout_id, reference)


async def settle(
    conn: asyncpg.Connection, *, payout_id: UUID, status: str, failure_reason: str | None, transaction_id: UUID
) -> None:
    await conn.execute(SETTLE, payout_id, status, failure_reason, transaction_id)


STALE = """
UPDATE payouts SET updated_at = now()
WHERE id IN (SELECT id FROM payouts WHERE status = 'PENDING' AND updated_at < now() - make_interval(secs => $1)
             ORDER BY updated_at LIMIT 500 FOR UPDATE SKIP LOCKED)
RETURNING id
"""


async def stale_payout_ids(conn: asyncpg.Connection, *, older_than_seconds: float) -> list[UUID]:
    """PENDING payouts untouched for a while (a dead worker, a lost job), touched so the next round waits."""
    return [row[0] for row in await conn.fetch(STALE, older_than_seconds)]
