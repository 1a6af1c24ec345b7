"""The double-entry ledger: accounts, balanced transactions of entries, and pages of an account's entries.

Amounts are integer micro-USD. `post` is the only writer: it records one transaction whose
entries sum to zero and moves each account's `balance_micros` in the same database
transaction, so the rows' locks serialise concurrent debits and the
`ledger_accounts_balance_not_negative` check refuses an overdraft even under concurrency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.errors import DomainError, ErrorCode
from domain.ledger import SYSTEM_KINDS, net_postings
from domain.ledger import AccountKind as AccountKind
from domain.ledger import LedgerKind as LedgerKind
from domain.ledger import Posting as Posting

BALANCE_NOT_NEGATIVE = "ledger_accounts_balance_not_negative"


@dataclass(frozen=True)
class Account:
    id: UUID
    kind: AccountKind
    user_id: UUID | None
    holder_id: UUID | None
    balance_micros: int
    created_at: datetime


ACCOUNT_COLUMNS = "id, kind, user_id, holder_id, balance_micros, created_at"


def _account(row: asyncpg.Record) -> Account:
    return Account(
        id=row["id"],
        kind=AccountKind(row["kind"]),
        user_id=row["user_id"],
        holder_id=row["holder_id"],
        balance_micros=row["balance_micros"],
        created_at=row["created_at"],
    )


FIND_WALLET = "SELECT id FROM ledger_accounts WHERE user_id = $1"
CREATE_WALLET = """
INSERT INTO ledger_accounts (kind, user_id) VALUES ('WALLET', $1)
ON CONFLICT ON CONSTRAINT ledger_accounts_user_key DO NOTHING RETURNING id
"""


async def wallet_account(conn: asyncpg.Connection, *, user_id: UUID) -> UUID:
    """The user's wallet, created on first use (race-safe)."""
    return await _get_or_create(conn, FIND_WALLET, CREATE_WALLET, user_id)


FIND_HOLDER_ACCOUNT = "SELECT id FROM ledger_accounts WHERE holder_id = $1"
CREATE_HOLDER_ACCOUNT = """
INSERT INTO ledger_accounts (kind, holder_id) VALUES ('HOLDER', $1)
ON CONFLICT ON CONSTRAINT ledger_accounts_holder_key DO NOTHING RETURNING id
"""


async def holder_account(conn: asyncpg.Connection, *, holder_id: UUID) -> UUID:
    """The holder's balance account, created on first use (race-safe)."""
    return await _get_or_create(conn, FIND_HOLDER_ACCOUNT, CREATE_HOLDER_ACCOUNT, holder_id)


FIND_SYSTEM_ACCOUNT = "SELECT id FROM ledger_accounts WHERE kind = $1 AND user_id IS NULL AND holder_id IS NULL"
# The migration inserts all four; this puts one back after a TRUNCATE (the test suite's clean state).
CREATE_SYSTEM_ACCOUNT = """
INSERT INTO ledger_accounts (kind) VALUES ($1)
ON CONFLICT (kind) WHERE user_id IS NULL AND holder_id IS NULL DO NOTHING RETURNING id
"""


async def system_account(conn: asyncpg.Connection, kind: AccountKind) -> UUID:
    """The one PLATFORM, ESCROW, FUNDING or ADVERTISING account."""
    if kind not in SYSTEM_KINDS:
        raise ValueError(f"{kind} is not a system account kind")
    return await _get_or_create(conn, FIND_SYSTEM_ACCOUNT, CREATE_SYSTEM_ACCOUNT, kind.value)


async def _get_or_create(conn: asyncpg.Connection, find: str, create: str, key: object) -> UUID:
    found: UUID | None = await conn.fetchval(find, key)
    if found is None:
        found = await conn.fetchval(create, key)
    if found is None:  # created by a concurrent transaction that committed meanwhile
        found = await conn.fetchval(find, key)
    assert found is not None
    return found


GET_ACCOUNTS = f"SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::uuid[])"


async def get_accounts(conn: asyncpg.Connection, *, account_ids: Sequence[UUID]) -> list[Account]:
    return [_account(row) for row in await conn.fetch(GET_ACCOUNTS, list(account_ids))]


BALANCE = "SELECT balance_micros FROM ledger_accounts WHERE id = $1"


async def balance(conn: asyncpg.Connection, *, account_id: UUID) -> int:
    micros: int | None = await conn.fetchval(BALANCE, account_id)
    if micros is None:
        raise LookupError(f"no ledger account {account_id}")
    return micros


WALLET_BALANCE = "SELECT balance_micros FROM ledger_accounts WHERE user_id = $1"


async def wallet_balance(conn: asyncpg.Connection, *, user_id: UUID) -> int:
    """The user's wallet balance; 0 when the wallet was never used (and is not created by asking)."""
    micros: int | None = await conn.fetchval(WALLET_BALANCE, user_id)
    return micros or 0


INSERT_TRANSACTION = """
INSERT INTO ledger_transactions (kind, video_id, memo, external_id) VALUES ($1, $2, $3, $4)
ON CONFLICT ON CONSTRAINT ledger_transactions_external_id_key DO NOTHING RETURNING id
"""
# Locked in id order before any is changed, so two posts touching the same accounts never deadlock.
LOCK_ACCOUNTS = "SELECT id FROM ledger_accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE"
APPLY_AMOUNTS = """
UPDATE ledger_accounts a SET balance_micros = a.balance_micros + d.amount
FROM unnest($1::uuid[], $2::bigint[]) AS d (id, amount) WHERE a.id = d.id
"""
INSERT_ENTRIES = """
INSERT INTO ledger_entries (transaction_id, account_id, amount_micros)
SELECT $1, d.id, d.amount FROM unnest($2::uuid[], $3::bigint[]) AS d (id, amount)
"""


async def post(
    conn: asyncpg.Connection,
    *,
    kind: LedgerKind,
    postings: Sequence[Posting],
    video_id: UUID | None = None,
    memo: str | None = None,
    external_id: str | None = None,
) -> UUID | None:
    """Record one balanced transaction and move the balances; its id, or None when nothing was written.

    Postings to one account are summed into one entry and zero amounts dropped; nothing left
    to post → None. Not zero-sum → ValueError before any SQL. `external_id` already recorded
    → None and nothing written (a replayed payment event, even one racing the first).

    Atomic on its own: inside the caller's transaction it runs in a savepoint, otherwise in a
    transaction of its own (a transaction begun with a raw BEGIN is refused by asyncpg). When a
    balance would go below zero it raises DomainError(INSUFFICIENT_FUNDS) after rolling back to
    that savepoint: nothing of this post is written, and the caller's transaction is still
    usable (the caller decides whether to roll back the rest). The locks taken stay until the
    caller commits: post as late as possible in a transaction, and only once, so accounts are
    always locked in one order.
    """
    net = net_postings(postings)
    if not net:
        return None
    try:
        async with conn.transaction():
            return await _record(conn, kind, net, video_id, memo, external_id)
    except asyncpg.CheckViolationError as exc:
        if exc.constraint_name == BALANCE_NOT_NEGATIVE:
            raise DomainError.of(ErrorCode.INSUFFICIENT_FUNDS, "Not enough funds in the wallet.") from exc
        raise


async def _record(
    conn: asyncpg.Connection,
    kind: LedgerKind,
    net: Sequence[Posting],
    video_id: UUID | None,
    memo: str | None,
    external_id: str | None,
) -> UUID | None:
    transaction_id: UUID | None = await conn.fetchval(INSERT_TRANSACTION, kind.value, video_id, memo, external_id)
    if transaction_id is None:
        return None
    account_ids = [posting.account_id for posting in net]
    amounts = [posting.amount_micros for posting in net]
    locked = await conn.fetch(LOCK_ACCOUNTS, account_ids)
    if len(locked) != len(account_ids):
        missing = set(account_ids) - {row["id"] for row in locked}
        raise ValueError(f"no ledger account {', '.join(map(str, sorted(missing)))}")
    await conn.execute(APPLY_AMOUNTS, account_ids, amounts)
    await conn.execute(INSERT_ENTRIES, transaction_id, account_ids, amounts)
    return transaction_id


async def lock_accounts(conn: asyncpg.Connection, *, account_ids: Sequence[UUID]) -> None:
    """Lock accounts in id order until the caller's transaction ends.

    `post` locks only its own accounts. A transaction that posts more than once (say, escrow →
    platform, then escrow → holders) calls this first with every account it will touch, so that
    its locks too are taken in the one global order and it cannot deadlock with another post.
    """
    await conn.fetch(LOCK_ACCOUNTS, sorted(set(account_ids)))


async def fund_wallet(
    conn: asyncpg.Connection, *, user_id: UUID, amount_micros: int, memo: str, external_id: str | None = None
) -> UUID | None:
    """Credit a wallet from the FUNDING source (a payment or an operator grant); None for a replay."""
    if amount_micros <= 0:
        raise ValueError("a wallet is funded with a positive amount")
    wallet = await wallet_account(conn, user_id=user_id)
    funding = await system_account(conn, AccountKind.FUNDING)
    postings = [Posting(funding, -amount_micros), Posting(wallet, amount_micros)]
    return await post(conn, kind=LedgerKind.FUNDING, postings=postings, memo=memo, external_id=external_id)


@dataclass(frozen=True)
class Entry:
    id: UUID
    transaction_id: UUID
    kind: LedgerKind
    amount_micros: int
    created_at: datetime
    video_id: UUID | None
    memo: str | None
    # Whose account it is: node lookups check it against the viewer (a wallet's user, a holder's members).
    account_id: UUID
    account_kind: AccountKind
    user_id: UUID | None
    holder_id: UUID | None


ENTRY_SELECT = """
SELECT e.id, e.transaction_id, t.kind, e.amount_micros, e.created_at, t.video_id, t.memo,
       e.account_id, a.kind AS account_kind, a.user_id, a.holder_id
FROM ledger_entries e
JOIN ledger_transactions t ON t.id = e.transaction_id
JOIN ledger_accounts a ON a.id = e.account_id
"""


def _entry(row: asyncpg.Record) -> Entry:
    return Entry(
        id=row["id"],
        transaction_id=row["transaction_id"],
        kind=LedgerKind(row["kind"]),
        amount_micros=row["amount_micros"],
        created_at=row["created_at"],
        video_id=row["video_id"],
        memo=row["memo"],
        account_id=row["account_id"],
        account_kind=AccountKind(row["account_kind"]),
        user_id=row["user_id"],
        holder_id=row["holder_id"],
    )


FIRST_ENTRIES = f"{ENTRY_SELECT} WHERE e.account_id = $1 ORDER BY e.created_at DESC, e.id DESC LIMIT $2"
ENTRIES_AFTER = f"""{ENTRY_SELECT} WHERE e.account_id = $1 AND (e.created_at, e.id) < ($2, $3)
ORDER BY e.created_at DESC, e.id DESC LIMIT $4"""


async def account_entries(
    conn: asyncpg.Connection, *, account_id: UUID, after: tuple[datetime, UUID] | None, limit: int
) -> list[Entry]:
    """An account's entries, newest first, after the keyset `(created_at, id)` of the last one seen."""
    if after is None:
        rows = await conn.fetch(FIRST_ENTRIES, account_id, limit)
    else:
        rows = await conn.fetch(ENTRIES_AFTER, account_id, after[0], after[1], limit)
    return [_entry(row) for row in rows]


GET_ENTRIES = f"{ENTRY_SELECT} WHERE e.id = ANY($1::uuid[])"


async def get_entries(conn: asyncpg.Connection, *, entry_ids: Sequence[UUID]) -> list[Entry]:
    """The entries found, in no particular order (a loader puts them in key order)."""
    return [_entry(row) for row in await conn.fetch(GET_ENTRIES, list(entry_ids))]
