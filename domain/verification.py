"""Verified holders (RULES §11): who may ask, who decides, and what a decision may change.

An ORGANIZATION starts UNVERIFIED; its members ask with evidence (PENDING); an operator approves
(VERIFIED) or rejects (REJECTED), and a rejected holder may ask again with new evidence. A PERSON
holder is VERIFIED from its creation: the likeness is its own user's.
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import DomainError, ErrorCode, FieldError
from domain.policy import HolderKind

MIN_EVIDENCE_LENGTH = 10
MAX_EVIDENCE_LENGTH = 5000
MAX_NOTE_LENGTH = 2000


class VerificationStatus(StrEnum):
    UNVERIFIED = "UNVERIFIED"
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


def initial_status(kind: HolderKind) -> VerificationStatus:
    return VerificationStatus.VERIFIED if kind is HolderKind.PERSON else VerificationStatus.UNVERIFIED


def check_request(kind: HolderKind, status: VerificationStatus, evidence: str) -> str:
    """The evidence to store when the holder may ask for verification now; DomainError otherwise."""
    if kind is HolderKind.PERSON or status in (VerificationStatus.VERIFIED, VerificationStatus.PENDING):
        message = f"This holder cannot ask for verification: it is {status.value}."
        raise DomainError(FieldError(ErrorCode.CONFLICT, message, ("input", "holderId")))
    evidence = evidence.strip()
    if not MIN_EVIDENCE_LENGTH <= len(evidence) <= MAX_EVIDENCE_LENGTH:
        message = f"Evidence must be {MIN_EVIDENCE_LENGTH}-{MAX_EVIDENCE_LENGTH} characters."
        raise DomainError(FieldError(ErrorCode.INVALID, message, ("input", "evidence")))
    return evidence


def decide(kind: HolderKind, status: VerificationStatus, *, approve: bool, note: str | None) -> VerificationStatus:
    """The status after an operator's decision. Approving works from any state of an organisation
    (the command line verifies known studios without a request); rejecting needs a pending request."""
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise DomainError(FieldError(ErrorCode.INVALID, f"A note is at most {MAX_NOTE_LENGTH} characters.",
                                     ("input", "note")))  # fmt: skip
    if kind is HolderKind.PERSON:
        raise DomainError(FieldError(ErrorCode.INVALID, "A person's holder is always verified.", ("input", "holderId")))
    if approve:
        return VerificationStatus.VERIFIED
    if status is not VerificationStatus.PENDING:
        message = f"Only a pending request can be rejected; this holder is {status.value}."
        raise DomainError(FieldError(ErrorCode.CONFLICT, message, ("input", "holderId")))
    return VerificationStatus.REJECTED
