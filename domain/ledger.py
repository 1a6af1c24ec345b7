"""Ledger rules without I/O: balanced postings, and the payment provider's signed webhook events."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class AccountKind(StrEnum):
    WALLET = "WALLET"
    HOLDER = "HOLDER"
    PLATFORM = "PLATFORM"
    ESCROW = "ESCROW"
    FUNDING = "FUNDING"
    ADVERTISING = "ADVERTISING"
    # Money out and disputes (RULES §8-9, migration 0014).
    CLAIM_HELD = "CLAIM_HELD"  # view revenue credited while a claim is open
    RECEIVABLE = "RECEIVABLE"  # what users owe after reversals their wallets could not cover (≤ 0)
    PAYOUT_CLEARING = "PAYOUT_CLEARING"  # requested payouts until the provider settles them
    PAID_OUT = "PAID_OUT"  # money that left the platform


# One account each, without an owner.
SYSTEM_KINDS = frozenset(
    {
        AccountKind.PLATFORM,
        AccountKind.ESCROW,
        AccountKind.FUNDING,
        AccountKind.ADVERTISING,
        AccountKind.CLAIM_HELD,
        AccountKind.RECEIVABLE,
        AccountKind.PAYOUT_CLEARING,
        AccountKind.PAID_OUT,
    }
)
# Money enters the ledger from these, so their balances run negative; every other balance is ≥ 0.
SOURCE_KINDS = frozenset({AccountKind.FUNDING, AccountKind.ADVERTISING})
# The receivable mirrors the debts users owe, so it runs negative too.
NEGATIVE_KINDS = SOURCE_KINDS | {AccountKind.RECEIVABLE}
# Balances kept exact row by row, so that a post can refuse an overdraft under concurrency. The other
# accounts are only ever credited, or debited by the system of what it credited them (escrow), and
# many transactions touch them at once: their changes wait as pending rows until folded in.
RUNNING_BALANCE_KINDS = frozenset({AccountKind.WALLET})


class LedgerKind(StrEnum):
    FUNDING = "FUNDING"
    GENERATION_CHARGE = "GENERATION_CHARGE"
    GENERATION_REFUND = "GENERATION_REFUND"
    LICENSE_FEE = "LICENSE_FEE"
    VIEW_REVENUE = "VIEW_REVENUE"
    CLAIM_RELEASE = "CLAIM_RELEASE"
    PAYMENT_REVERSAL = "PAYMENT_REVERSAL"
    DEBT_REPAYMENT = "DEBT_REPAYMENT"
    PAYOUT = "PAYOUT"
    PAYOUT_PAID = "PAYOUT_PAID"
    PAYOUT_FAILED = "PAYOUT_FAILED"


@dataclass(frozen=True)
class Posting:
    """One side of a transaction: positive credits the account, negative debits it."""

    account_id: UUID
    amount_micros: int


def net_postings(postings: Iterable[Posting]) -> tuple[Posting, ...]:
    """The entries to write: one per account (its amounts summed), zeros dropped, sorted by account id.

    Raises ValueError when the amounts do not sum to zero, TypeError when one is not an int.
    """
    totals: dict[UUID, int] = {}
    for posting in postings:
        amount = posting.amount_micros
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError(f"amount_micros must be an int, not {amount!r}")
        totals[posting.account_id] = totals.get(posting.account_id, 0) + amount
    total = sum(totals.values())
    if total != 0:
        raise ValueError(f"postings sum to {total}, not 0")
    return tuple(Posting(account_id, amount) for account_id, amount in sorted(totals.items()) if amount != 0)


# --- The payment provider's webhook -------------------------------------------------------------

SIGNATURE_HEADER = "Fanreel-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
PAYMENT_SUCCEEDED = "payment.succeeded"
# Reversals of a payment (RULES §9): the event type → the reversal kind recorded.
PAYMENT_REVERSALS = {"payment.refunded": "REFUNDED", "payment.disputed": "DISPUTED"}
PAYMENT_CURRENCY = "USD"
# A sanity bound (USD 1M) that also keeps the FUNDING source far from bigint's limits.
MAX_PAYMENT_MICROS = 1_000_000_000_000
MAX_EVENT_ID_LENGTH = 200
_TIMESTAMP = re.compile(r"[0-9]{1,15}")


class SignatureProblem(StrEnum):
    MISSING = "SIGNATURE_MISSING"
    MALFORMED = "SIGNATURE_MALFORMED"
    MISMATCH = "SIGNATURE_MISMATCH"
    EXPIRED = "SIGNATURE_EXPIRED"


class InvalidSignature(Exception):
    def __init__(self, problem: SignatureProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value the provider sends for `body` at `timestamp` (unix seconds)."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify_signature(secret: str, header: str | None, body: bytes, now: float) -> int:
    """The signed timestamp of a genuine, fresh event; InvalidSignature otherwise.

    `header` is "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">"; several v1 values are
    accepted (one per secret while the provider rotates). Fresh: at most 5 minutes from `now`
    either way, so a captured request cannot be replayed later.
    """
    if not secret:
        raise ValueError("no webhook secret configured")
    if not header:
        raise InvalidSignature(SignatureProblem.MISSING)
    timestamp, candidates = _parse_header(header)
    expected = _digest(secret, timestamp, body).encode()
    # Every candidate is compared, in constant time, so timing tells nothing about which matched.
    matches = [hmac.compare_digest(expected, candidate.encode()) for candidate in candidates]
    if not any(matches):
        raise InvalidSignature(SignatureProblem.MISMATCH)
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidSignature(SignatureProblem.EXPIRED)
    return timestamp


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise InvalidSignature(SignatureProblem.MALFORMED)
        if key == "t":
            if timestamp is not None or not _TIMESTAMP.fullmatch(value):
                raise InvalidSignature(SignatureProblem.MALFORMED)
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
        # Other schemes (a future v2) are ignored, as the provider's clients must.
    if timestamp is None or not candidates:
        raise InvalidSignature(SignatureProblem.MALFORMED)
    return timestamp, candidates


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


class InvalidEvent(Exception):
    """A signed event we cannot act on; the message says why (it goes back to the provider)."""


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    data: Mapping[str, object]


@dataclass(frozen=True)
class Payment:
    event_id: str
    # The user's global ID as the API shows it; the API layer decodes it.
    user_ref: str
    amount_micros: int


def parse_event(body: bytes) -> WebhookEvent:
    """The envelope `{"id", "type", "data"}` of an event; InvalidEvent when it is not one."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError too
        raise InvalidEvent("body is not JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidEvent("event must be a JSON object")
    event_id, event_type, data = payload.get("id"), payload.get("type"), payload.get("data")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= MAX_EVENT_ID_LENGTH:
        raise InvalidEvent(f"id must be a string of 1 to {MAX_EVENT_ID_LENGTH} characters")
    if not isinstance(event_type, str):
        raise InvalidEvent("type must be a string")
    if not isinstance(data, dict):
        raise InvalidEvent("data must be an object")
    return WebhookEvent(event_id, event_type, data)


def parse_payment(event: WebhookEvent) -> Payment:
    """The payment a payment.succeeded event reports; InvalidEvent when its data is unusable."""
    user_ref, amount, currency = event.data.get("user_id"), event.data.get("amount_micros"), event.data.get("currency")
    if not isinstance(user_ref, str) or not user_ref:
        raise InvalidEvent("data.user_id must be a user ID")
    # bool is an int in Python, and 5.0 is not an integer amount of micros.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidEvent("data.amount_micros must be an integer")
    if not 0 < amount <= MAX_PAYMENT_MICROS:
        raise InvalidEvent(f"data.amount_micros must be between 1 and {MAX_PAYMENT_MICROS}")
    if currency != PAYMENT_CURRENCY:
        raise InvalidEvent(f"data.currency must be {PAYMENT_CURRENCY}")
    return Payment(event.id, user_ref, amount)


@dataclass(frozen=True)
class Reversal:
    """A refund or chargeback of the payment whose event id is `payment_id`."""

    event_id: str
    kind: str  # REFUNDED or DISPUTED
    user_ref: str
    amount_micros: int
    payment_id: str


def parse_reversal(event: WebhookEvent) -> Reversal:
    """The reversal a payment.refunded or payment.disputed event reports; InvalidEvent when unusable."""
    payment = parse_payment(event)  # the same user_id, amount_micros and currency rules
    payment_id = event.data.get("payment_id")
    if not isinstance(payment_id, str) or not 1 <= len(payment_id) <= MAX_EVENT_ID_LENGTH:
        raise InvalidEvent("data.payment_id must be the id of the payment.succeeded event reversed")
    return Reversal(event.id, PAYMENT_REVERSALS[event.type], payment.user_ref, payment.amount_micros, payment_id)


def split_reversal(amount_micros: int, wallet_micros: int) -> tuple[int, int]:
    """(taken from the wallet, left as debt) of a reversal: the wallet pays what it can."""
    taken = max(0, min(amount_micros, wallet_micros))
    return taken, amount_micros - taken
