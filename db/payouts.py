"""Payouts as transactions (RULES §9): requesting moves the amount to PAYOUT_CLEARING; the provider's
answer settles it once, PAID (→ PAID_OUT) or FAILED (→ back to the account).

Exactly-once money under an at-least-once job: a request is one transaction (its idempotency key
finds the first one); settling is a conditional update of the PENDING row plus one ledger
transaction with an external id derived from the payout, so a second answer, a retried job or a
job run twice moves nothing more.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from db.queries import ledger, payouts
from db.queries.payouts import Payout
from domain.errors import DomainError, ErrorCode, FieldError
from domain.ledger import AccountKind, LedgerKind, Posting
from domain.payouts import Withdrawable, check_request, withdrawable


@dataclass(frozen=True)
class Owner:
    """Whose money: a user's wallet or a holder's account (exactly one is set)."""

    user_id: UUID | None = None
    holder_id: UUID | None = None


@dataclass(frozen=True)
class PayoutRules:
    hold_days: int
    minimum_micros: int


async def account_of(conn: asyncpg.Connection, owner: Owner) -> UUID:
    if owner.user_id is not None:
        return await ledger.wallet_account(conn, user_id=owner.user_id)
    assert owner.holder_id is not None
    return await ledger.holder_account(conn, holder_id=owner.holder_id)


async def account_figures(
    conn: asyncpg.Connection, owner: Owner, account_id: UUID, rules: PayoutRules, now: datetime
) -> tuple[Withdrawable, int]:
    """(available and pending, paid out) of the account."""
    found = await payouts.figures(
        conn,
        account_id=account_id,
        hold_cutoff=now - timedelta(days=rules.hold_days),
        user_id=owner.user_id,
        holder_id=owner.holder_id,
    )
    figures = withdrawable(
        earned_before_hold=found.earned_before_hold,
        earned_recently=found.earned_recently,
        committed=found.committed,
        balance=found.balance,
        held=found.held,
    )
    return figures, found.paid_out


# The owner's row lock serialises its payout requests (and, for a user, their paid generations).
LOCK_OWNER = {
    "user": "SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE",
    "holder": "SELECT id FROM holders WHERE id = $1 FOR NO KEY UPDATE",
}


async def request(
    conn: asyncpg.Connection,
    *,
    owner: Owner,
    requested_by: UUID,
    amount: int | None,
    idempotency_key: str | None,
    rules: PayoutRules,
    now: datetime,
) -> tuple[Payout, bool]:
    """(the payout, whether it is new); DomainError when refused (nothing written). In the caller's transaction."""
    if owner.user_id is not None:
        await conn.execute(LOCK_OWNER["user"], owner.user_id)
    else:
        await conn.execute(LOCK_OWNER["holder"], owner.holder_id)
    account_id = await account_of(conn, owner)
    if idempotency_key is not None:
        existing = await payouts.by_idempotency_key(conn, account_id=account_id, key=idempotency_key)
        if existing is not None:
            return existing, False
    destination = await payouts.destination(conn, account_id=account_id)
    if destination is None:
        message = "Set a payout destination first."
        raise DomainError(FieldError(ErrorCode.CONFLICT, message, ("input", "holderId")))
    figures, _ = await account_figures(conn, owner, account_id, rules, now)
    to_pay = check_request(amount, figures.available, rules.minimum_micros)
    clearing = await ledger.system_account(conn, AccountKind.PAYOUT_CLEARING)
    payout_id = uuid.uuid4()
    transaction_id = await ledger.post(
        conn,
        kind=LedgerKind.PAYOUT,
        postings=[Posting(account_id, -to_pay), Posting(clearing, to_pay)],
        memo=f"payout {payout_id} to {destination}",
        external_id=f"payout:{payout_id}",
    )
    assert transaction_id is not None
    payout = await payouts.insert_payout(
        conn,
        payout_id=payout_id,
        account_id=account_id,
        requested_by=requested_by,
        amount_micros=to_pay,
        destination=destination,
        idempotency_key=idempotency_key,
        transaction_id=transaction_id,
    )
    return payout, True


async def settle(conn: asyncpg.Connection, *, payout_id: UUID, paid: bool, failure_reason: str | None = None) -> bool:
    """Move a PENDING payout's money once: PAID → PAID_OUT, FAILED → back to its account. False when
    it was settled already (a second answer). In the caller's transaction."""
    payout = await payouts.lock_payout(conn, payout_id=payout_id)
    if payout is None or payout.status != "PENDING":
        return False
    clearing = await ledger.system_account(conn, AccountKind.PAYOUT_CLEARING)
    to = await ledger.system_account(conn, AccountKind.PAID_OUT) if paid else payout.account_id
    transaction_id = await ledger.post(
        conn,
        kind=LedgerKind.PAYOUT_PAID if paid else LedgerKind.PAYOUT_FAILED,
        postings=[Posting(clearing, -payout.amount_micros), Posting(to, payout.amount_micros)],
        memo=f"payout {payout.id} {'paid' if paid else 'failed'}",
        external_id=f"payout-settled:{payout.id}",
    )
    assert transaction_id is not None  # the row lock makes this the only settlement
    await payouts.settle(
        conn,
        payout_id=payout.id,
        status="PAID" if paid else "FAILED",
        failure_reason=None if paid else failure_reason or "The payout provider refused the transfer.",
        transaction_id=transaction_id,
    )
    return True
