"""Operator commands on the ledger: `fanreel wallet grant` and `fanreel ledger verify`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from db.money_check import check_claims, check_debts, check_payouts
from db.queries import ledger, users
from db.revenue_check import check_ledger_matches_credits, check_view_totals, revenue_check
from domain.errors import DomainError, ErrorCode
from domain.ledger import NEGATIVE_KINDS, AccountKind
from domain.money import format_usd, parse_usd
from domain.revenue import SplitConfig

GRANT_MEMO = "operator grant"


@dataclass(frozen=True)
class Grant:
    transaction_id: UUID
    user_id: UUID
    handle: str
    amount_micros: int
    balance_micros: int


async def grant(conn: asyncpg.Connection, *, handle: str, amount_micros: int) -> Grant:
    """Credit a user's wallet from the FUNDING source; DomainError for an unknown handle or amount ≤ 0."""
    if amount_micros <= 0:
        raise DomainError.of(ErrorCode.INVALID, "The amount must be positive.", ("amount",))
    user = await users.get_user_by_handle(conn, handle=handle)
    if user is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, f"No user @{handle.lstrip('@')}.", ("handle",))
    async with conn.transaction():
        transaction_id = await ledger.fund_wallet(conn, user_id=user.id, amount_micros=amount_micros, memo=GRANT_MEMO)
        balance = await ledger.wallet_balance(conn, user_id=user.id)
    assert transaction_id is not None  # no external_id, so never a replay
    return Grant(transaction_id, user.id, user.handle, amount_micros, balance)


# A check reads the ledger and returns one readable line per discrepancy. Add checks here
# (e.g. credited view revenue per video) and `verify` runs them all in one snapshot.
Check = Callable[[asyncpg.Connection], Awaitable[list[str]]]

UNBALANCED_TRANSACTIONS = """
SELECT t.id, t.kind, coalesce(sum(e.amount_micros), 0) AS total, count(e.id) AS entries
FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
GROUP BY t.id
HAVING coalesce(sum(e.amount_micros), 0) <> 0 OR count(e.id) < 2
ORDER BY t.created_at, t.id
"""


async def check_transactions(conn: asyncpg.Connection) -> list[str]:
    """Every transaction sums to zero over at least two entries."""
    problems = []
    for row in await conn.fetch(UNBALANCED_TRANSACTIONS):
        name = f"transaction {row['id']} ({row['kind']})"
        if row["total"] != 0:
            problems.append(f"{name} sums to {int(row['total'])}, not 0")
        if row["entries"] < 2:
            problems.append(f"{name} has {row['entries']} entries, not at least 2")
    return problems


ACCOUNT_TOTALS = f"""
SELECT a.id, a.kind, ({ledger.BALANCE})::bigint AS balance_micros, coalesce(s.total, 0) AS total, u.handle,
       h.name AS holder_name
FROM ledger_accounts a
LEFT JOIN (SELECT account_id, sum(amount_micros) AS total FROM ledger_entries GROUP BY account_id) s
    ON s.account_id = a.id
LEFT JOIN users u ON u.id = a.user_id
LEFT JOIN holders h ON h.id = a.holder_id
ORDER BY a.created_at, a.id
"""


async def check_accounts(conn: asyncpg.Connection) -> list[str]:
    """Every balance equals the sum of its entries, and only the sources and the receivable are negative."""
    problems = []
    for row in await conn.fetch(ACCOUNT_TOTALS):
        name, total = _account_name(row), int(row["total"])
        if row["balance_micros"] != total:
            problems.append(f"{name} has balance {row['balance_micros']} but its entries sum to {total}")
        if AccountKind(row["kind"]) not in NEGATIVE_KINDS and min(row["balance_micros"], total) < 0:
            problems.append(f"{name} is negative ({min(row['balance_micros'], total)})")
    return problems


def _account_name(row: asyncpg.Record) -> str:
    owner = f" @{row['handle']}" if row["handle"] else f" {row['holder_name']!r}" if row["holder_name"] else ""
    return f"account {row['id']} ({row['kind']}{owner})"


def checks_for(config: SplitConfig) -> tuple[Check, ...]:
    """Every check, the view revenue ones under the configured rates (db/revenue_check.py)."""
    return (
        check_transactions,
        check_accounts,
        check_view_totals,
        check_ledger_matches_credits,
        revenue_check(config),
        check_claims,
        check_debts,
        check_payouts,
    )


CHECKS: tuple[Check, ...] = checks_for(SplitConfig())


async def verify(conn: asyncpg.Connection, checks: Sequence[Check] = CHECKS) -> list[str]:
    """Every discrepancy found, as readable lines; empty when every invariant holds.

    Outside a transaction the checks share one read-only repeatable-read snapshot, so posts
    committing meanwhile cannot show up as false discrepancies.
    """
    if conn.is_in_transaction():
        return await _run(conn, checks)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await _run(conn, checks)


async def _run(conn: asyncpg.Connection, checks: Sequence[Check]) -> list[str]:
    return [problem for check in checks for problem in await check(conn)]


# The two commands, ready for cli.py: each returns its exit status and the lines to print.


async def grant_command(database_url: str, handle: str, amount: str) -> tuple[int, list[str]]:
    """`fanreel wallet grant HANDLE AMOUNT`, AMOUNT in USD ("5", "2.50")."""
    try:
        micros = parse_usd(amount)
    except ValueError as exc:
        return 2, [f"invalid amount: {exc}"]
    conn = await asyncpg.connect(database_url)
    try:
        granted = await grant(conn, handle=handle, amount_micros=micros)
    except DomainError as exc:
        return 1, [error.message for error in exc.errors]
    finally:
        await conn.close()
    balance = format_usd(granted.balance_micros)
    return 0, [f"granted {format_usd(micros)} to @{granted.handle}; wallet balance {balance}"]


async def verify_command(database_url: str, checks: Sequence[Check] = CHECKS) -> tuple[int, list[str]]:
    """`fanreel ledger verify`: status 1 and one line per discrepancy, else 0."""
    conn = await asyncpg.connect(database_url)
    try:
        problems = await verify(conn, checks)
    finally:
        await conn.close()
    if problems:
        return 1, [*problems, f"{len(problems)} discrepancies found"]
    return 0, ["ledger ok: every invariant holds"]
