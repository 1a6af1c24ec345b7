from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.claims import (
    ClaimKind,
    ClaimStatus,
    JoinedLicense,
    brake_until,
    held_split,
    outcome_at_deadline,
    segmented_split,
)
from domain.revenue import LicenseShare, SplitConfig

CONFIG = SplitConfig()
CREATOR = uuid4()
NOW = datetime(2026, 12, 4, tzinfo=UTC)


def test_worked_claim_example_reconciles_to_the_micro() -> None:
    """1,000 views before the claim, 1,000 during it, upheld ADD_LICENSE at 2000 bps (RULES §8)."""
    claimed = LicenseShare(uuid4(), uuid4(), 2000)
    before = segmented_split(views=1000, creator_id=CREATOR, licenses=[], ancestors=[], config=CONFIG)
    assert (before.platform, before.holders, before.creator) == (150_000, (), 350_000)
    held = held_split(
        views_from=1000, views_to=2000, creator_id=CREATOR, licenses=[claimed], ancestors=[], config=CONFIG
    )
    # The held 500,000 split as if the license had been there since the claim.
    assert held.gross == 500_000
    assert (held.platform, held.holders, held.creator) == (150_000, ((claimed, 100_000),), 250_000)
    total = segmented_split(
        views=2000, creator_id=CREATOR, licenses=[JoinedLicense(claimed, 1000)], ancestors=[], config=CONFIG
    )
    assert (total.platform, total.holders, total.creator) == (300_000, ((claimed, 100_000),), 600_000)
    assert total.total == before.gross + held.gross == 1_000_000


def test_released_claim_pays_as_without_it() -> None:
    existing = LicenseShare(uuid4(), uuid4(), 1500)
    held = held_split(views_from=3, views_to=10, creator_id=CREATOR, licenses=[existing], ancestors=[], config=CONFIG)
    whole = segmented_split(
        views=10, creator_id=CREATOR, licenses=[JoinedLicense(existing)], ancestors=[], config=CONFIG
    )
    first = segmented_split(
        views=3, creator_id=CREATOR, licenses=[JoinedLicense(existing)], ancestors=[], config=CONFIG
    )
    assert held.creator == whole.creator - first.creator
    assert dict(held.holders)[existing] == dict(whole.holders)[existing] - dict(first.holders)[existing]


@given(st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 10000))
def test_segments_always_sum_to_gross(a: int, b: int, c: int, bps: int) -> None:
    joined, end = sorted([a, b])[0], max(a, b) + c
    lic = JoinedLicense(LicenseShare(uuid4(), uuid4(), bps), joined)
    total = segmented_split(views=end, creator_id=CREATOR, licenses=[lic], ancestors=[], config=CONFIG)
    assert total.total == total.gross == end * CONFIG.view_revenue_micros
    assert min(total.creator, total.platform, *(amount for _, amount in total.holders)) >= 0


def test_held_range_must_be_a_range() -> None:
    with pytest.raises(ValueError):
        held_split(views_from=5, views_to=4, creator_id=CREATOR, licenses=[], ancestors=[], config=CONFIG)


def test_default_outcomes() -> None:
    assert outcome_at_deadline(ClaimKind.MISSED_CHARACTER, ClaimStatus.OPEN) is ClaimStatus.UPHELD
    assert outcome_at_deadline(ClaimKind.MISSED_CHARACTER, ClaimStatus.DISPUTED) is ClaimStatus.EXPIRED
    assert outcome_at_deadline(ClaimKind.APPEAL, ClaimStatus.OPEN) is ClaimStatus.EXPIRED
    with pytest.raises(ValueError):
        outcome_at_deadline(ClaimKind.APPEAL, ClaimStatus.UPHELD)


def test_abuse_brake() -> None:
    days = [NOW - timedelta(days=d) for d in (1, 2, 3, 4)]
    assert brake_until(days, NOW) is None  # four are fine
    fifth = [*days, NOW - timedelta(days=20)]
    assert brake_until(fifth, NOW) == NOW - timedelta(days=1) + timedelta(days=30)
    spread = [NOW - timedelta(days=d) for d in (1, 10, 20, 31, 40)]  # never five within 30 days
    assert brake_until(spread, NOW) is None
    old = [NOW - timedelta(days=d) for d in (31, 32, 33, 34, 35)]  # blocked until 1 day ago
    assert brake_until(old, NOW) is None
