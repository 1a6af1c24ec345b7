"""Who is owed what of a video's view revenue (RULES.md §6), in integer micros.

The split is a pure function of the number of qualified views N and the video's (locked) licenses and
ancestors, so crediting is "compute the split for the new N, credit the difference to the split for
the N credited before" (`owed_difference`): totals never depend on how views were batched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

BPS = 10_000
_K = TypeVar("_K")


@dataclass(frozen=True)
class SplitConfig:
    view_revenue_micros: int = 500
    platform_fee_bps: int = 3000
    holders_cap_bps: int = 5000
    remix_ancestor_depth: int = 3
    remix_ancestor_bps: int = 1000

    def __post_init__(self) -> None:
        """Reject settings under which some party could be owed a negative amount."""
        if self.view_revenue_micros < 0 or self.remix_ancestor_depth < 0:
            raise ValueError("view revenue and ancestor depth must not be negative")
        if not all(0 <= bps <= BPS for bps in (self.platform_fee_bps, self.holders_cap_bps)):
            raise ValueError("platform fee and holders cap must be 0..10000 bps")
        if self.platform_fee_bps + self.holders_cap_bps > BPS:
            raise ValueError("platform fee plus holders cap must not exceed 10000 bps")
        if not 0 <= self.remix_ancestor_bps <= BPS or not _ancestors_fit(self):
            raise ValueError("remix ancestor shares must add up to at most the whole pool")


def _ancestors_fit(config: SplitConfig) -> bool:
    # Σ_{j=1..depth} (bps/10000)^j ≤ 1, in exact integers: Σ bps^j × 10000^(depth-j) ≤ 10000^depth.
    depth, bps = config.remix_ancestor_depth, config.remix_ancestor_bps
    total, term, bound = 0, 1, 1
    for _ in range(depth):
        term *= bps
        total = total * BPS + term
        bound *= BPS
    return total <= bound


@dataclass(frozen=True)
class LicenseShare:
    character_id: UUID
    holder_id: UUID
    share_bps: int


@dataclass(frozen=True)
class Ancestor:
    video_id: UUID
    creator_id: UUID
    # False once the ancestor's video is TAKEN_DOWN or DELETED (RULES §11): skipped from then on,
    # like an ancestor by the video's own creator.
    earning: bool = True


@dataclass(frozen=True)
class Split:
    gross: int
    platform: int
    holders: tuple[tuple[LicenseShare, int], ...]
    ancestors: tuple[tuple[Ancestor, int], ...]  # paid ancestors only, nearest first
    creator: int

    @property
    def total(self) -> int:
        """The sum of every part; equals `gross` for a split (and for a difference of splits)."""
        parts = (amount for _, amount in (*self.holders, *self.ancestors))
        return self.platform + sum(parts) + self.creator


def split(
    *,
    qualified_views: int,
    creator_id: UUID,
    licenses: Sequence[LicenseShare],
    ancestors: Sequence[Ancestor],
    config: SplitConfig,
) -> Split:
    """The amounts owed for `qualified_views` views of a video by `creator_id`, flooring at each step.

    `ancestors` is the remix chain, nearest first (the video remixed, its parent, ...). Ancestors by
    `creator_id` are skipped: they take nothing and do not use up a step, so the next other creator
    gets the amount the skipped one would have had (a₁, then a₂ ...), and up to `remix_ancestor_depth`
    other creators are paid. Self-remixing therefore cannot dilute what earlier creators are owed.
    The caller must pass the chain far enough to hold `remix_ancestor_depth` other creators (or all
    of it); extra entries are ignored. Ancestors not `earning` are skipped the same way.
    """
    if qualified_views < 0 or any(not 0 <= lic.share_bps <= BPS for lic in licenses):
        raise ValueError("views must not be negative and shares must be 0..10000 bps")
    gross = qualified_views * config.view_revenue_micros
    platform = gross * config.platform_fee_bps // BPS
    holders = _holder_amounts(gross, licenses, config.holders_cap_bps)
    pool = gross - platform - sum(amount for _, amount in holders)
    paid = _ancestor_amounts(pool, [a for a in ancestors if a.creator_id != creator_id and a.earning], config)
    creator = pool - sum(amount for _, amount in paid)
    return Split(gross, platform, holders, paid, creator)


def _holder_amounts(gross: int, licenses: Sequence[LicenseShare], cap_bps: int) -> tuple[tuple[LicenseShare, int], ...]:
    total_bps = sum(lic.share_bps for lic in licenses)
    if total_bps <= cap_bps:
        return tuple((lic, gross * lic.share_bps // BPS) for lic in licenses)
    return tuple((lic, gross * lic.share_bps * cap_bps // (total_bps * BPS)) for lic in licenses)


def _ancestor_amounts(pool: int, others: Sequence[Ancestor], config: SplitConfig) -> tuple[tuple[Ancestor, int], ...]:
    amounts: list[tuple[Ancestor, int]] = []
    amount = pool
    for ancestor in others[: config.remix_ancestor_depth]:
        amount = amount * config.remix_ancestor_bps // BPS
        amounts.append((ancestor, amount))
    return tuple(amounts)


def owed_difference(previous: Split | None, current: Split) -> Split:
    """What to credit now: `current` minus what `previous` already credited, party by party.

    Parties are matched by their `LicenseShare` / `Ancestor` value. With the same licenses, ancestors
    and config, every amount is ≥ 0 (each part is monotone in N); a changed config can make some
    negative. Zero amounts are kept so the shape mirrors `current`.
    """
    if previous is None:
        return current
    return Split(
        gross=current.gross - previous.gross,
        platform=current.platform - previous.platform,
        holders=_difference(previous.holders, current.holders),
        ancestors=_difference(previous.ancestors, current.ancestors),
        creator=current.creator - previous.creator,
    )


def _difference(previous: Iterable[tuple[_K, int]], current: Iterable[tuple[_K, int]]) -> tuple[tuple[_K, int], ...]:
    owed: dict[_K, int] = {}
    for party, amount in current:
        owed[party] = owed.get(party, 0) + amount
    for party, amount in previous:
        owed[party] = owed.get(party, 0) - amount
    return tuple(owed.items())
