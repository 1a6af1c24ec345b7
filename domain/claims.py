"""Claims on missed characters and appeals (RULES §8), without I/O: deadlines, default outcomes,
the abuse brake, and how revenue held during a claim is split when it ends.

Held revenue: the views credited while a claim is open, (views_from, views_to], earned
`gross(views_to) - gross(views_from)`. When the claim ends it is split with the licenses the video
has then, as crediting would have split it had they been there since the claim:
`split(L, views_to) - split(L, views_from)`. Crediting afterwards continues with the same L, so a
video's revenue is a sum of such segments, each priced with the licenses it had (`segmented_split`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.revenue import Ancestor, LicenseShare, Split, SplitConfig, owed_difference, split


class ClaimKind(StrEnum):
    MISSED_CHARACTER = "MISSED_CHARACTER"
    APPEAL = "APPEAL"


class ClaimAction(StrEnum):
    ADD_LICENSE = "ADD_LICENSE"
    TAKE_DOWN = "TAKE_DOWN"


class ClaimStatus(StrEnum):
    OPEN = "OPEN"
    DISPUTED = "DISPUTED"
    UPHELD = "UPHELD"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


OPEN_STATUSES = frozenset({ClaimStatus.OPEN, ClaimStatus.DISPUTED})
MAX_REASON_LENGTH = 2000

# Abuse brake: this many claims released or expired within the window blocks new claims for BRAKE.
BRAKE_COUNT = 5
BRAKE_WINDOW = timedelta(days=30)
BRAKE = timedelta(days=30)


def outcome_at_deadline(kind: ClaimKind, status: ClaimStatus) -> ClaimStatus:
    """What a claim becomes when its deadline passes with nobody acting (RULES §8).

    An undisputed claim is upheld; a disputed claim the holder did not answer expires (= released);
    an appeal the holder did not answer expires in the creator's favour.
    """
    if status not in OPEN_STATUSES:
        raise ValueError(f"a {status} claim has no deadline")
    if kind is ClaimKind.MISSED_CHARACTER and status is ClaimStatus.OPEN:
        return ClaimStatus.UPHELD
    return ClaimStatus.EXPIRED


def brake_until(released_at: Sequence[datetime], now: datetime) -> datetime | None:
    """When a holder may file claims again, or None when it may now.

    `released_at`: when each of its claims was released or expired. Any BRAKE_COUNT of them within
    BRAKE_WINDOW block new claims for BRAKE from the last of those.
    """
    times = sorted(released_at)
    until = None
    for i in range(BRAKE_COUNT - 1, len(times)):
        if times[i] - times[i - BRAKE_COUNT + 1] <= BRAKE_WINDOW:
            until = times[i] + BRAKE
    return until if until is not None and until > now else None


@dataclass(frozen=True)
class JoinedLicense:
    """A video's license and the credited-views count from which it takes part (0: from the start)."""

    share: LicenseShare
    joined_at_views: int = 0


def held_split(
    *,
    views_from: int,
    views_to: int,
    creator_id: UUID,
    licenses: Sequence[LicenseShare],
    ancestors: Sequence[Ancestor],
    config: SplitConfig,
) -> Split:
    """Who gets the revenue of the views (views_from, views_to] held by a claim, with `licenses`."""
    if not 0 <= views_from <= views_to:
        raise ValueError("held views must be a range")

    def owed(views: int) -> Split:
        return split(
            qualified_views=views, creator_id=creator_id, licenses=licenses, ancestors=ancestors, config=config
        )

    return owed_difference(owed(views_from), owed(views_to))


def segmented_split(
    *,
    views: int,
    creator_id: UUID,
    licenses: Sequence[JoinedLicense],
    ancestors: Sequence[Ancestor],
    config: SplitConfig,
) -> Split:
    """What `views` credited views owe each party when licenses joined along the way: each segment
    between two joining points is split with the licenses present from its start (what crediting
    and the release of held revenue pay, segment by segment)."""
    points = sorted({0, *(lic.joined_at_views for lic in licenses if 0 < lic.joined_at_views < views)})
    total: Split | None = None
    for start, end in zip(points, [*points[1:], views], strict=True):
        present = [lic.share for lic in licenses if lic.joined_at_views <= start]
        part = held_split(
            views_from=start, views_to=end, creator_id=creator_id, licenses=present, ancestors=ancestors, config=config
        )
        total = part if total is None else add_splits(total, part)
    assert total is not None
    return total


def add_splits(a: Split, b: Split) -> Split:
    """Two splits' amounts summed party by party."""
    holders: dict[LicenseShare, int] = dict(a.holders)
    for lic, amount in b.holders:
        holders[lic] = holders.get(lic, 0) + amount
    ancestors: dict[Ancestor, int] = dict(a.ancestors)
    for ancestor, amount in b.ancestors:
        ancestors[ancestor] = ancestors.get(ancestor, 0) + amount
    return Split(
        gross=a.gross + b.gross,
        platform=a.platform + b.platform,
        holders=tuple(holders.items()),
        ancestors=tuple(ancestors.items()),
        creator=a.creator + b.creator,
    )
