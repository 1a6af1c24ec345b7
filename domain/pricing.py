"""What a generation costs (RULES.md §4): a base price per second, waived for the first few generations
of the day, plus every character's generation fee, never waived."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from domain.money import Money
from domain.policy import CharacterFacts


@dataclass(frozen=True)
class Fee:
    character_id: UUID
    holder_id: UUID
    micros: int


@dataclass(frozen=True)
class Quote:
    base_micros: int
    fees: tuple[Fee, ...]  # only fees actually payable (> 0), one per character, in input order
    free: bool  # the base price was waived

    @property
    def total_micros(self) -> int:
        return self.base_micros + sum(fee.micros for fee in self.fees)

    @property
    def total(self) -> Money:
        return Money(self.total_micros)

    def fee_for(self, character_id: UUID) -> int:
        """The fee charged for `character_id`, 0 when none (member, free policy, not in the video)."""
        return sum(fee.micros for fee in self.fees if fee.character_id == character_id)


def free_generations_left(generations_today: int, free_per_day: int) -> int:
    return max(0, free_per_day - generations_today)


def quote(
    *,
    duration_seconds: int,
    price_per_second_micros: int,
    generations_today: int,
    free_per_day: int,
    characters: Iterable[CharacterFacts],
    member_holder_ids: frozenset[UUID],
) -> Quote:
    """Price one generation.

    `generations_today` counts the creator's generations earlier this UTC day, not this one: the base
    price is waived while it is below `free_per_day`. Each character's current-policy fee is added
    unless the creator is a member of its holder or the holder is not verified; a character listed twice
    pays once.
    """
    if min(duration_seconds, price_per_second_micros, generations_today, free_per_day) < 0:
        raise ValueError("quote inputs must not be negative")
    free = free_generations_left(generations_today, free_per_day) > 0
    base = 0 if free else price_per_second_micros * duration_seconds
    return Quote(base_micros=base, fees=_fees(characters, member_holder_ids), free=free)


def _fees(characters: Iterable[CharacterFacts], member_holder_ids: frozenset[UUID]) -> tuple[Fee, ...]:
    fees: dict[UUID, Fee] = {}
    for character in characters:
        micros = character.policy.generation_fee_micros
        if character.holder_id in member_holder_ids or micros <= 0 or not character.verified:
            continue
        fees.setdefault(character.character_id, Fee(character.character_id, character.holder_id, micros))
    return tuple(fees.values())
