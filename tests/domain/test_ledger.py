import json
from uuid import UUID

import pytest

from domain.ledger import (
    MAX_PAYMENT_MICROS,
    InvalidEvent,
    InvalidSignature,
    Payment,
    Posting,
    SignatureProblem,
    net_postings,
    parse_event,
    parse_payment,
    sign,
    verify_signature,
)

A, B, C = UUID(int=1), UUID(int=2), UUID(int=3)
SECRET = "whsec_test"
BODY = b'{"id":"evt_1","type":"payment.succeeded","data":{}}'
NOW = 1_700_000_000


# --- zero sum ---


def test_balanced_postings_are_netted_per_account_and_sorted() -> None:
    postings = [Posting(C, 5), Posting(A, -10), Posting(B, 3), Posting(C, 2)]
    assert net_postings(postings) == (Posting(A, -10), Posting(B, 3), Posting(C, 7))


def test_zero_amounts_and_accounts_netting_to_zero_are_dropped() -> None:
    assert net_postings([Posting(A, -4), Posting(B, 0), Posting(C, 4), Posting(B, 1), Posting(B, -1)]) == (
        Posting(A, -4),
        Posting(C, 4),
    )
    assert net_postings([]) == ()


def test_unbalanced_postings_are_refused() -> None:
    with pytest.raises(ValueError, match="sum to 1, not 0"):
        net_postings([Posting(A, -10), Posting(B, 11)])


@pytest.mark.parametrize("amount", [1.0, True, "1"])
def test_amounts_must_be_ints(amount: object) -> None:
    with pytest.raises(TypeError):
        net_postings([Posting(A, amount), Posting(B, -1)])  # type: ignore[arg-type]


# --- signature ---


def test_a_fresh_correct_signature_passes() -> None:
    assert verify_signature(SECRET, sign(SECRET, BODY, NOW), BODY, NOW + 10) == NOW


def test_any_of_several_v1_signatures_may_match() -> None:
    header = f"t={NOW},v1={'0' * 64},{sign(SECRET, BODY, NOW).split(',')[1]},v2=ignored"
    assert verify_signature(SECRET, header, BODY, NOW) == NOW


@pytest.mark.parametrize(
    "header",
    [
        sign("another secret", BODY, NOW),
        sign(SECRET, BODY + b" ", NOW),
        sign(SECRET, BODY, NOW).replace(f"t={NOW}", f"t={NOW + 1}"),
        f"t={NOW},v1=not-hex-ünïcode",
    ],
)
def test_a_wrong_signature_is_refused(header: str) -> None:
    with pytest.raises(InvalidSignature) as caught:
        verify_signature(SECRET, header, BODY, NOW)
    assert caught.value.problem is SignatureProblem.MISMATCH


@pytest.mark.parametrize("skew", [-301, 301, -86_400])
def test_a_signature_more_than_5_minutes_off_is_refused(skew: int) -> None:
    with pytest.raises(InvalidSignature) as caught:
        verify_signature(SECRET, sign(SECRET, BODY, NOW), BODY, NOW - skew)
    assert caught.value.problem is SignatureProblem.EXPIRED


@pytest.mark.parametrize("skew", [-300, 300])
def test_exactly_5_minutes_off_is_still_fresh(skew: int) -> None:
    assert verify_signature(SECRET, sign(SECRET, BODY, NOW), BODY, NOW - skew) == NOW


@pytest.mark.parametrize("header", [None, ""])
def test_a_missing_signature_is_refused(header: str | None) -> None:
    with pytest.raises(InvalidSignature) as caught:
        verify_signature(SECRET, header, BODY, NOW)
    assert caught.value.problem is SignatureProblem.MISSING


@pytest.mark.parametrize(
    "header",
    ["garbage", f"t={NOW}", "v1=abc", "t=,v1=abc", "t=-5,v1=abc", "t=1.5,v1=abc", "t=١٢٣,v1=abc", "t=1,t=2,v1=a"],
)
def test_a_malformed_header_is_refused(header: str) -> None:
    with pytest.raises(InvalidSignature) as caught:
        verify_signature(SECRET, header, BODY, NOW)
    assert caught.value.problem is SignatureProblem.MALFORMED


def test_an_empty_secret_verifies_nothing() -> None:
    with pytest.raises(ValueError):
        verify_signature("", sign("", BODY, NOW), BODY, NOW)


# --- events ---


def event(**data: object) -> bytes:
    values = {"user_id": "VXNlcjox", "amount_micros": 5_000_000, "currency": "USD"} | data
    return json.dumps({"id": "evt_1", "type": "payment.succeeded", "data": values}).encode()


def test_a_payment_event_is_parsed() -> None:
    assert parse_payment(parse_event(event())) == Payment("evt_1", "VXNlcjox", 5_000_000)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[1]",
        b"[" * 100_000,
        b'{"type": "x", "data": {}}',
        b'{"id": 1, "type": "x", "data": {}}',
        b'{"id": "", "type": "x", "data": {}}',
        b'{"id": "e", "type": null, "data": {}}',
        b'{"id": "e", "type": "x"}',
    ],
)
def test_a_malformed_envelope_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidEvent):
        parse_event(body)


def test_other_event_types_parse_without_their_data_being_checked() -> None:
    parsed = parse_event(b'{"id": "e", "type": "payment.refunded", "data": {"anything": 1}}')
    assert parsed.type == "payment.refunded"


@pytest.mark.parametrize(
    "data",
    [
        {"amount_micros": 0},
        {"amount_micros": -5},
        {"amount_micros": 1.5},
        {"amount_micros": 5.0},
        {"amount_micros": "5"},
        {"amount_micros": True},
        {"amount_micros": MAX_PAYMENT_MICROS + 1},
        {"currency": "EUR"},
        {"currency": None},
        {"user_id": 7},
        {"user_id": ""},
    ],
)
def test_unusable_payment_data_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(InvalidEvent):
        parse_payment(parse_event(event(**data)))
