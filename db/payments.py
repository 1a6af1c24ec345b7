"""Money in and its reversals (RULES §9): a top-up repays the user's debt first; a refund or
chargeback takes what the wallet holds and records the rest as debt (the RECEIVABLE account).

Every function takes the user's row lock first (FOR NO KEY UPDATE, as createRemix does), so a
reversal, a top-up and a paid generation of one user never interleave: the debt that createRemix
reads is the debt the ledger says.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from db.queries import ledger
from db.queries.ledger import NewTransaction
from domain.ledger import AccountKind, LedgerKind, Posting, Reversal, split_reversal

LOCK_USER = """
SELECT coalesce((SELECT amount_micros FROM debts WHERE user_id = $1), 0) AS debt
FROM users WHERE id = $1 FOR NO KEY UPDATE
"""
ADD_DEBT = """
INSERT INTO debts (user_id, amount_micros) VALUES ($1, $2)
ON CONFLICT (user_id) DO UPDATE SET amount_micros = debts.amount_micros + $2, updated_at = now()
"""

REPAY_DEBT = "UPDATE debts SET amount_micros = amount_micros - $2, updated_at = now() WHERE user_id = $1"


class UnknownPayment(Exception):
    """The reversal names no payment of this user, or more than is left of it; the message says which."""


async def lock_user_debt(conn: asyncpg.Connection, *, user_id: UUID) -> int | None:
    """The user's debt with their row locked; None when there is no such user."""
    debt: int | None = await conn.fetchval(LOCK_USER, user_id)
    return debt


async def fund(conn: asyncpg.Connection, *, user_id: UUID, amount_micros: int, event_id: str) -> bool:
    """Credit a payment to the wallet, repaying the user's debt first; False for a replayed event.

    The caller holds the user's lock (`lock_user_debt`) and passes its transaction."""
    debt = await lock_user_debt(conn, user_id=user_id) or 0
    accounts = await ledger.account_ids(conn, users=[user_id], kinds=[AccountKind.FUNDING, AccountKind.RECEIVABLE])
    wallet = accounts.wallets[user_id]
    funding = NewTransaction(
        LedgerKind.FUNDING,
        [Posting(accounts.system[AccountKind.FUNDING], -amount_micros), Posting(wallet, amount_micros)],
        memo=f"payment {event_id}",
        external_id=f"payment:{event_id}",
    )
    repaid = min(debt, amount_micros)
    repayment = NewTransaction(
        LedgerKind.DEBT_REPAYMENT,
        [Posting(wallet, -repaid), Posting(accounts.system[AccountKind.RECEIVABLE], repaid)],
        memo=f"debt repaid from payment {event_id}",
        external_id=f"repayment:{event_id}",
    )
    written = await ledger.post_all(conn, [funding, repayment] if repaid else [funding])
    if written and repaid:
        await conn.execute(REPAY_DEBT, user_id, repaid)
    return bool(written)


PAYMENT_OF = """
SELECT e.amount_micros FROM ledger_transactions t
JOIN ledger_entries e ON e.transaction_id = t.id
JOIN ledger_accounts a ON a.id = e.account_id AND a.user_id = $2
WHERE t.external_id = 'payment:' || $1
"""
REVERSED = "SELECT coalesce(sum(amount_micros), 0) FROM payment_reversals WHERE payment_id = $1"
RECORD_REVERSAL = """
INSERT INTO payment_reversals (event_id, payment_id, user_id, kind, amount_micros, debt_micros)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING RETURNING event_id
"""


@dataclass(frozen=True)
class Reversed:
    taken_micros: int
    debt_micros: int


async def reverse(conn: asyncpg.Connection, *, user_id: UUID, reversal: Reversal) -> Reversed | None:
    """Take a refunded or charged-back amount out of the wallet; what it cannot cover becomes debt.
    None for a replayed event; UnknownPayment when the payment is not this user's or is used up.
    The caller runs this in a transaction."""
    await lock_user_debt(conn, user_id=user_id)
    if await conn.fetchval("SELECT 1 FROM payment_reversals WHERE event_id = $1", reversal.event_id):
        return None
    paid: int | None = await conn.fetchval(PAYMENT_OF, reversal.payment_id, user_id)
    if paid is None:
        raise UnknownPayment("data.payment_id is not a payment to this user")
    left = paid - await conn.fetchval(REVERSED, reversal.payment_id)
    if reversal.amount_micros > left:
        raise UnknownPayment(f"data.amount_micros exceeds what is left of the payment ({left})")
    balance = await ledger.wallet_balance(conn, user_id=user_id)
    taken, debt = split_reversal(reversal.amount_micros, balance)
    accounts = await ledger.account_ids(conn, users=[user_id], kinds=[AccountKind.FUNDING, AccountKind.RECEIVABLE])
    postings = [
        Posting(accounts.system[AccountKind.FUNDING], reversal.amount_micros),
        Posting(accounts.wallets[user_id], -taken),
        Posting(accounts.system[AccountKind.RECEIVABLE], -debt),
    ]
    await ledger.post(
        conn,
        kind=LedgerKind.PAYMENT_REVERSAL,
        postings=postings,
        memo=f"payment {reversal.payment_id} {reversal.kind.lower()}",
        external_id=f"reversal:{reversal.event_id}",
    )
    await conn.fetchval(
        RECORD_REVERSAL,
        reversal.event_id,
        reversal.payment_id,
        user_id,
        reversal.kind,
        reversal.amount_micros,
        debt,
    )
    if debt:
        await conn.execute(ADD_DEBT, user_id, debt)
    return Reversed(taken, debt)
