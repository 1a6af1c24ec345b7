"""Sign-up rules: handle, display name, email and password checks (RULES: accounts)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from domain.errors import DomainError, ErrorCode, FieldError

HANDLE = re.compile(r"^[a-z0-9_]{3,30}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this only stops absurd payloads
MAX_DISPLAY_NAME_LENGTH = 80


@dataclass(frozen=True)
class SignUp:
    handle: str
    display_name: str
    email: str
    password: str


def normalize_handle(handle: str) -> str:
    """Handles are unique case-insensitively, so they are stored lower-case."""
    return handle.strip().lstrip("@").lower()


def validate_sign_up(handle: str, display_name: str, email: str, password: str) -> SignUp:
    """The normalised sign-up, or a DomainError naming every bad field."""
    errors: list[FieldError] = []
    handle = normalize_handle(handle)
    if not HANDLE.match(handle):
        errors.append(_invalid("handle", "Handle must be 3-30 characters of a-z, 0-9 and _."))
    display_name = display_name.strip()
    if not 1 <= len(display_name) <= MAX_DISPLAY_NAME_LENGTH:
        errors.append(_invalid("displayName", f"Display name must be 1-{MAX_DISPLAY_NAME_LENGTH} characters."))
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors.append(_invalid("email", "Enter a valid email address."))
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        errors.append(_invalid("password", f"Password must be at least {MIN_PASSWORD_LENGTH} characters."))
    if errors:
        raise DomainError(errors)
    return SignUp(handle, display_name, email, password)


def _invalid(field: str, message: str) -> FieldError:
    return FieldError(ErrorCode.INVALID, message, ("input", field))
