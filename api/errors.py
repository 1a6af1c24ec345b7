"""Every error the API shows, and the one place expected failures become `UserError`s.

Two families: `userErrors` in mutation payloads (expected failures as data, from
`domain.errors.DomainError`), and GraphQL errors carrying `extensions.code` (missing
credentials, forbidden access, bad arguments). Anything else is masked as
"Internal server error" with the request id that the server log also carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, ClassVar

import asyncpg
import strawberry

from domain.errors import DomainError, ErrorCode, FieldError

if TYPE_CHECKING:
    from api.characters.types import PolicyReason

ErrorCodeType = strawberry.enum(ErrorCode, name="ErrorCode")


class ApiError(Exception):
    """An expected GraphQL error: shown to the client with its code, never masked."""

    code: ClassVar[str]

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extensions = {"code": self.code}


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Sign in first: missing, invalid or expired credentials.") -> None:
        super().__init__(message)


class Forbidden(ApiError):
    code = "FORBIDDEN"

    def __init__(self, message: str = "You may not act on this.") -> None:
        super().__init__(message)


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


@strawberry.type
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "prompt"]; null when not field-specific.'
    )
    code: ErrorCodeType  # type: ignore[valid-type]
    message: str
    reasons: list[Annotated[PolicyReason, strawberry.lazy("api.characters.types")]] | None = strawberry.field(
        default=None, description="Set for POLICY_DENIED: the rule that refused, per character."
    )


def user_errors(error: DomainError) -> list[UserError]:
    """The userErrors of a failed mutation; POLICY_DENIED errors carry the policy reasons."""
    from api.characters.types import PolicyReason

    reasons = [PolicyReason.of(reason) for reason in error.reasons]
    return [from_field_error(e, reasons if e.code is ErrorCode.POLICY_DENIED else None) for e in error.errors]


def from_field_error(error: FieldError, reasons: list[PolicyReason] | None = None) -> UserError:
    field = list(error.field) if error.field is not None else None
    return UserError(field=field, code=error.code, message=error.message, reasons=reasons)


def constraint_error(exc: asyncpg.IntegrityConstraintViolationError, known: Mapping[str, FieldError]) -> DomainError:
    """Map a violated, named constraint to its user error; re-raise the unknown ones."""
    constraint = getattr(exc, "constraint_name", None)
    if isinstance(constraint, str) and constraint in known:
        return DomainError(known[constraint])
    raise exc


def invalid(message: str, *field: str) -> FieldError:
    return FieldError(ErrorCode.INVALID, message, field or None)


def collect(errors: Iterable[FieldError]) -> None:
    """Raise one DomainError carrying every error, when there is any."""
    found = tuple(errors)
    if found:
        raise DomainError(found)
