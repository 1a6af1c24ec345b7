"""Monthly statements (RULES §9): a CSV of an account's ledger entries in a UTC calendar month, with
its opening and closing balances. Pure: the rows come from db/queries/statements.py."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
HEADER = ("date", "kind", "amount_usd", "balance_usd", "video_id", "memo")


@dataclass(frozen=True)
class StatementEntry:
    created_at: datetime
    kind: str
    amount_micros: int
    video_id: str | None  # the video's global ID
    memo: str | None


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a "YYYY-MM" month in UTC; ValueError for anything else."""
    match = _MONTH.fullmatch(month)
    if match is None:
        raise ValueError(f"a month is YYYY-MM, not {month!r}")
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, end


def usd(micros: int) -> str:
    """An exact decimal USD amount with six places ("-1.250000"), for spreadsheets."""
    whole, fraction = divmod(abs(micros), 1_000_000)
    return f"{'-' if micros < 0 else ''}{whole}.{fraction:06d}"


def render(*, owner: str, month: str, opening_micros: int, entries: Sequence[StatementEntry]) -> bytes:
    """The CSV: who and which month, the opening balance, one row per entry with the running balance,
    the closing balance (= opening + every amount)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("statement", owner, month))
    writer.writerow(("opening_balance_usd", usd(opening_micros)))
    writer.writerow(HEADER)
    balance = opening_micros
    for entry in entries:
        balance += entry.amount_micros
        writer.writerow(
            (
                entry.created_at.astimezone(UTC).isoformat(),
                entry.kind,
                usd(entry.amount_micros),
                usd(balance),
                entry.video_id or "",
                entry.memo or "",
            )
        )
    writer.writerow(("closing_balance_usd", usd(balance)))
    return out.getvalue().encode()
