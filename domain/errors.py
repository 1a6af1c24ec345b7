"""Expected failures as data: a code per failure, translated to GraphQL `UserError`s in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.policy import Reason


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    TAKEN = "TAKEN"
    POLICY_DENIED = "POLICY_DENIED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    RATE_LIMITED = "RATE_LIMITED"
    CONFLICT = "CONFLICT"


@dataclass(frozen=True)
class FieldError:
    code: ErrorCode
    message: str
    # Path to the input field at fault, e.g. ("input", "policy", "revenueShareBps"); None: whole input.
    field: tuple[str, ...] | None = None


class DomainError(Exception):
    """One or more expected failures; `reasons` carries the policy reasons of a POLICY_DENIED."""

    def __init__(self, errors: FieldError | Iterable[FieldError], /, *, reasons: Iterable[Reason] = ()) -> None:
        self.errors: tuple[FieldError, ...] = (errors,) if isinstance(errors, FieldError) else tuple(errors)
        if not self.errors:
            raise ValueError("DomainError needs at least one FieldError")
        self.reasons: tuple[Reason, ...] = tuple(reasons)
        super().__init__("; ".join(f"{error.code}: {error.message}" for error in self.errors))

    @classmethod
    def of(cls, code: ErrorCode, message: str, field: tuple[str, ...] | None = None) -> DomainError:
        return cls(FieldError(code, message, field))

    @property
    def code(self) -> ErrorCode:
        """The code of the first error, for callers that only branch on one."""
        return self.errors[0].code
