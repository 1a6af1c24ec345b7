"""Fees wait for approval (RULES §11): a reviewing character's license fee stays in escrow after
drafting; approval pays it to the holder, and rejection (or the video leaving before approval:
deleted, taken down, refused at publication) refunds it to the creator. Each release is one
ledger transaction, and clears `fee_held` in the same statement that reads the amount, so a fee
is released at most once whatever runs concurrently (callers hold the video's lock too)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from db.queries import ledger
from db.queries.ledger import AccountKind, LedgerKind, Posting

RELEASE_ONE = """
UPDATE video_licenses l SET fee_held = false FROM characters c
WHERE l.video_id = $1 AND l.character_id = $2 AND l.fee_held AND c.id = l.character_id
RETURNING l.generation_fee_micros, c.holder_id
"""
RELEASE_ALL = """
UPDATE video_licenses SET fee_held = false WHERE video_id = $1 AND fee_held RETURNING generation_fee_micros
"""


async def pay_held_fee(conn: asyncpg.Connection, *, video_id: UUID, character_id: UUID) -> int:
    """Escrow → the character's holder, when its fee was held; the amount paid (0: none held)."""
    row = await conn.fetchrow(RELEASE_ONE, video_id, character_id)
    if row is None:
        return 0
    fee, holder_id = row["generation_fee_micros"], row["holder_id"]
    accounts = await ledger.account_ids(conn, holders=[holder_id], kinds=[AccountKind.ESCROW])
    postings = [Posting(accounts.system[AccountKind.ESCROW], -fee), Posting(accounts.holders[holder_id], fee)]
    await ledger.post(conn, kind=LedgerKind.LICENSE_FEE, postings=postings, video_id=video_id, memo="approved: fee")
    return int(fee)


async def refund_held_fees(conn: asyncpg.Connection, *, video_id: UUID, creator_id: UUID) -> int:
    """Escrow → the creator's wallet, every fee of the video still held; the amount refunded."""
    total = sum(row["generation_fee_micros"] for row in await conn.fetch(RELEASE_ALL, video_id))
    if total:
        accounts = await ledger.account_ids(conn, users=[creator_id], kinds=[AccountKind.ESCROW])
        wallet, escrow = accounts.wallets[creator_id], accounts.system[AccountKind.ESCROW]
        postings = [Posting(escrow, -total), Posting(wallet, total)]
        await ledger.post(
            conn, kind=LedgerKind.GENERATION_REFUND, postings=postings, video_id=video_id, memo="held fees refunded"
        )
    return int(total)


CLEAR = "UPDATE video_licenses SET fee_held = false WHERE video_id = $1 AND fee_held"


async def forget_held_fees(conn: asyncpg.Connection, *, video_id: UUID) -> None:
    """The generation was refunded in full (failed, or deleted before it ran): nothing is held any more."""
    await conn.execute(CLEAR, video_id)
