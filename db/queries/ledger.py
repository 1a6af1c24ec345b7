"""The double-entry ledger: accounts, balanced transactions of entries, and pages of an account's entries.

Amounts are integer micro-USD. `post_all` (and `post`) records transactions whose entries sum to
zero. In the same database transaction it moves each wallet's `balance_micros`, so the wallet rows'
locks serialise concurrent debits and an overdraft is refused even under concurrency; every other
account's change is appended to `ledger_pending_balances` (no row lock, so escrow and the platform
are no hot spot) until `fold_pending_balances` moves it in. A balance is `balance_micros` plus its
pending changes (`BALANCE`); see db/migrations/0009_pending_balances.sql.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.errors import DomainError, ErrorCode
from domain.ledger import RUNNING_BALANCE_KINDS, SYSTEM_KINDS, net_postings
from domain.ledger import AccountKind as AccountKind
from domain.ledger import LedgerKind as LedgerKind
from domain.ledger import Posting as Posting
from telemetry import ledger_posted


@dataclass(frozen=True)
class Account:
    id: UUID
    kind: AccountKind
    user_id: UUID | None
    holder_id: UUID | None
    balance_micros: int
    created_at: datetime


# An account's balance: what was folded in plus what is pending (for a wallet, nothing is pending).
BALANCE = """a.balance_micros
    + coalesce((SELECT sum(p.amount_micros) FROM ledger_pending_balances p WHERE p.account_id = a.id), 0)"""
ACCOUNT_COLUMNS = f"a.id, a.kind, a.user_id, a.holder_id, ({BALANCE})::bigint AS balance_micros, a.created_at"


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


def system_account_id(kind: AccountKind) -> str:
    """A scalar subquery: the id of the system account of `kind` (NULL when it does not exist)."""
    where = f"a.kind = '{kind.value}' AND a.user_id IS NULL AND a.holder_id IS NULL"
    return f"(SELECT a.id FROM ledger_accounts a WHERE {where})"


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


GET_ACCOUNTS = f"SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts a WHERE a.id = ANY($1::uuid[])"


async def get_accounts(conn: asyncpg.Connection, *, account_ids: Sequence[UUID]) -> list[Account]:
    return [_account(row) for row in await conn.fetch(GET_ACCOUNTS, list(account_ids))]


ACCOUNT_BALANCE = f"SELECT ({BALANCE})::bigint FROM ledger_accounts a WHERE a.id = $1"


async def balance(conn: asyncpg.Connection, *, account_id: UUID) -> int:
    micros: int | None = await conn.fetchval(ACCOUNT_BALANCE, account_id)
    if micros is None:
        raise LookupError(f"no ledger account {account_id}")
    return micros


WALLET_BALANCE = "SELECT balance_micros FROM ledger_accounts WHERE user_id = $1"  # a wallet has nothing pending


async def wallet_balance(conn: asyncpg.Connection, *, user_id: UUID) -> int:
    """The user's wallet balance; 0 when the wallet was never used (and is not created by asking)."""
    micros: int | None = await conn.fetchval(WALLET_BALANCE, user_id)
    return micros or 0


ACCOUNT_IDS = """
SELECT id, kind, user_id, holder_id FROM ledger_accounts
WHERE user_id = ANY($1::uuid[]) OR holder_id = ANY($2::uuid[])
   OR (kind = ANY($3::text[]) AND user_id IS NULL AND holder_id IS NULL)
"""


@dataclass(frozen=True)
class AccountIds:
    wallets: dict[UUID, UUID]  # by user id
    holders: dict[UUID, UUID]  # by holder id
    system: dict[AccountKind, UUID]

    def cover(self, *, holders: Sequence[UUID] = (), kinds: Sequence[AccountKind] = ()) -> bool:
        return all(h in self.holders for h in holders) and all(k in self.system for k in kinds)


async def account_ids(
    conn: asyncpg.Connection,
    *,
    users: Sequence[UUID] = (),
    holders: Sequence[UUID] = (),
    kinds: Sequence[AccountKind] = (),
) -> AccountIds:
    """The wallets of `users`, the accounts of `holders` and the system accounts of `kinds`, in one
    query; the few missing ones (a first use) are created."""
    found = AccountIds({}, {}, {})
    for row in await conn.fetch(ACCOUNT_IDS, list(users), list(holders), [kind.value for kind in kinds]):
        if row["user_id"] is not None:
            found.wallets[row["user_id"]] = row["id"]
        elif row["holder_id"] is not None:
            found.holders[row["holder_id"]] = row["id"]
        else:
            found.system[AccountKind(row["kind"])] = row["id"]
    for user_id in set(users) - found.wallets.keys():
        found.wallets[user_id] = await wallet_account(conn, user_id=user_id)
    for holder_id in set(holders) - found.holders.keys():
        found.holders[holder_id] = await holder_account(conn, holder_id=holder_id)
    for kind in set(kinds) - found.system.keys():
        found.system[kind] = await system_account(conn, kind)
    return found


@dataclass(frozen=True)
class NewTransaction:
    kind: LedgerKind
    postings: Sequence[Posting]
    video_id: UUID | None = None
    memo: str | None = None
    # An idempotency key from outside (a payment event): already recorded → this one is skipped.
    external_id: str | None = None


# One statement for any number of transactions (ids made by the caller), so a post costs one round
# trip. Its steps, in the order the CTEs' dependencies force:
#   locked  the running-balance accounts touched ($9: wallets), locked in id order (two posts never
#           deadlock) and read as of now;
#   funded  whether every account exists and no locked balance would go below zero — else nothing
#           is written, so the caller's transaction stays usable (the CHECK constraint is the backstop);
#   written the transactions inserted (a replayed external_id is skipped with its entries);
#   moved   the written transactions' changes: in place for locked accounts, pending for the others;
#   entries the entries themselves.
POST = """
WITH amounts AS (
    SELECT * FROM unnest($6::uuid[], $7::uuid[], $8::bigint[]) AS a (transaction_id, account_id, amount)
), accounts AS (
    SELECT a.id, a.kind = ANY($9::text[]) AS running FROM ledger_accounts a
    WHERE a.id IN (SELECT account_id FROM amounts)
), locked AS (
    SELECT a.id, a.balance_micros FROM ledger_accounts a
    WHERE a.id IN (SELECT id FROM accounts WHERE running) ORDER BY a.id FOR NO KEY UPDATE
), funded AS (
    SELECT (SELECT count(*) FROM accounts) = (SELECT count(DISTINCT account_id) FROM amounts) AS all_found,
           coalesce(bool_and(l.balance_micros + d.amount >= 0), true) AS ok
    FROM locked l JOIN (SELECT account_id, sum(amount) AS amount FROM amounts GROUP BY account_id) d
         ON d.account_id = l.id
), written AS (
    INSERT INTO ledger_transactions (id, kind, video_id, memo, external_id)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[])
    WHERE (SELECT all_found AND ok FROM funded)
    ON CONFLICT ON CONSTRAINT ledger_transactions_external_id_key DO NOTHING
    RETURNING id
), changes AS (
    SELECT d.account_id, sum(d.amount)::bigint AS amount, bool_and(a.running) AS running
    FROM amounts d JOIN accounts a ON a.id = d.account_id
    WHERE d.transaction_id IN (SELECT id FROM written) GROUP BY d.account_id
), moved AS (
    UPDATE ledger_accounts a SET balance_micros = a.balance_micros + c.amount
    FROM changes c WHERE a.id = c.account_id AND c.running
), pending AS (
    INSERT INTO ledger_pending_balances (account_id, amount_micros)
    SELECT account_id, amount FROM changes WHERE NOT running
), entries AS (
    INSERT INTO ledger_entries (transaction_id, account_id, amount_micros)
    SELECT * FROM amounts WHERE transaction_id IN (SELECT id FROM written)
)
SELECT f.all_found, f.ok, array(SELECT id FROM written) AS written FROM funded f
"""
RUNNING = sorted(kind.value for kind in RUNNING_BALANCE_KINDS)


async def post_all(conn: asyncpg.Connection, transactions: Sequence[NewTransaction]) -> list[UUID]:
    """Record balanced transactions and move the balances, all or nothing; the ids written.

    Each transaction's postings to one account are summed into one entry and zero amounts
    dropped; one left with nothing to post is skipped. Not zero-sum → ValueError before any
    SQL; an unknown account → ValueError. A transaction whose `external_id` is already recorded
    is skipped (a replayed payment event, even one racing the first). When a balance would go
    below zero: DomainError(INSUFFICIENT_FUNDS) and nothing written; the caller's transaction
    stays usable. The wallets touched stay locked until the caller commits: post once per
    transaction, as late as possible (every transfer of one database transaction in one call).
    """
    ids, kinds, video_ids, memos, external_ids = [], [], [], [], []
    entry_transactions, entry_accounts, entry_amounts = [], [], []
    for transaction in transactions:
        net = net_postings(transaction.postings)
        if not net:
            continue
        transaction_id = uuid.uuid4()
        ids.append(transaction_id)
        kinds.append(transaction.kind.value)
        video_ids.append(transaction.video_id)
        memos.append(transaction.memo)
        external_ids.append(transaction.external_id)
        for posting in net:
            entry_transactions.append(transaction_id)
            entry_accounts.append(posting.account_id)
            entry_amounts.append(posting.amount_micros)
    if not ids:
        return []
    row = await conn.fetchrow(
        POST, ids, kinds, video_ids, memos, external_ids, entry_transactions, entry_accounts, entry_amounts, RUNNING
    )
    if not row["all_found"]:
        raise ValueError(f"no ledger account among {', '.join(map(str, sorted(set(entry_accounts))))}")
    if not row["ok"]:
        raise DomainError.of(ErrorCode.INSUFFICIENT_FUNDS, "Not enough funds in the wallet.")
    written: list[UUID] = row["written"]
    kind_of = dict(zip(ids, kinds, strict=True))
    ledger_posted(kind_of[id_] for id_ in written)  # /metrics: ledger posts by kind
    return written


async def post(
    conn: asyncpg.Connection,
    *,
    kind: LedgerKind,
    postings: Sequence[Posting],
    video_id: UUID | None = None,
    memo: str | None = None,
    external_id: str | None = None,
) -> UUID | None:
    """Record one balanced transaction (see `post_all`); its id, or None when nothing was written
    (nothing to post, or a replayed `external_id`)."""
    written = await post_all(conn, [NewTransaction(kind, postings, video_id, memo, external_id)])
    return written[0] if written else None


# Folds the pending changes committed so far into the balances (a concurrent post's rows wait for the
# next fold; a concurrent fold skips the rows this one deleted). Accounts locked in id order.
FOLD = """
WITH folded AS (
    DELETE FROM ledger_pending_balances RETURNING account_id, amount_micros
), sums AS (
    SELECT account_id, sum(amount_micros)::bigint AS amount FROM folded GROUP BY account_id
), locked AS (
    SELECT a.id FROM ledger_accounts a WHERE a.id IN (SELECT account_id FROM sums) ORDER BY a.id FOR NO KEY UPDATE
)
UPDATE ledger_accounts a SET balance_micros = a.balance_micros + s.amount
FROM sums s JOIN locked l ON l.id = s.account_id WHERE a.id = s.account_id
"""


async def fold_pending_balances(conn: asyncpg.Connection) -> int:
    """Move the pending changes into `balance_micros`; the number of accounts updated."""
    status: str = await conn.execute(FOLD)
    return int(status.split()[-1])


# For set-based writers of many transactions (view revenue): accounts locked in id order first, then moved.
LOCK_ACCOUNTS = "SELECT id FROM ledger_accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE"
APPLY_AMOUNTS = """
UPDATE ledger_accounts a SET balance_micros = a.balance_micros + d.amount
FROM unnest($1::uuid[], $2::bigint[]) AS d (id, amount) WHERE a.id = d.id
"""


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
