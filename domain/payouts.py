"""Payout rules without I/O (RULES §9): what an account may withdraw now, and whether a request may go."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError, ErrorCode, FieldError
from domain.money import format_usd

MAX_DESTINATION_LENGTH = 200


@dataclass(frozen=True)
class Withdrawable:
    available: int
    pending: int


def withdrawable(
    *, earned_before_hold: int, earned_recently: int, committed: int, balance: int, held: int
) -> Withdrawable:
    """Available: revenue older than the hold not yet requested, never more than the balance (a
    creator's top-ups never leave, and what was spent is gone). Pending: revenue within the hold,
    and what open claims hold."""
    available = max(0, min(earned_before_hold - committed, balance))
    return Withdrawable(available=available, pending=earned_recently + held)


def check_request(amount: int | None, available: int, minimum: int) -> int:
    """The amount to pay out (None: everything available); DomainError when it may not go."""
    amount = available if amount is None else amount
    if amount <= 0 and available > 0:
        raise DomainError(FieldError(ErrorCode.INVALID, "The amount must be positive.", ("input", "amount")))
    if amount < minimum:
        message = f"A payout is at least {format_usd(minimum)}; {format_usd(available)} is available."
        raise DomainError(FieldError(ErrorCode.INSUFFICIENT_FUNDS, message, ("input", "amount")))
    if amount > available:
        message = f"Only {format_usd(available)} is available to pay out."
        raise DomainError(FieldError(ErrorCode.INSUFFICIENT_FUNDS, message, ("input", "amount")))
    return amount
