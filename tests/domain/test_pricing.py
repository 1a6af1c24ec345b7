from dataclasses import replace
from uuid import uuid4

import pytest

from domain.policy import CharacterFacts, HolderKind
from domain.pricing import Fee, free_generations_left, quote
from tests.domain.factories import OPEN_POLICY

PRICE_PER_SECOND = 20_000  # $0.02
FREE_PER_DAY = 3


def make_character(fee_micros: int) -> CharacterFacts:
    return CharacterFacts(
        character_id=uuid4(),
        name="Pikachu",
        holder_id=uuid4(),
        holder_kind=HolderKind.ORGANIZATION,
        policy=replace(OPEN_POLICY, generation_fee_micros=fee_micros),
    )


def test_base_price_is_per_second() -> None:
    result = quote(
        duration_seconds=10,
        price_per_second_micros=PRICE_PER_SECOND,
        generations_today=3,
        free_per_day=3,
        characters=(),
        member_holder_ids=frozenset(),
    )
    assert (result.base_micros, result.fees, result.free) == (200_000, (), False)
    assert result.total_micros == 200_000
    assert result.total.formatted == "$0.20"


@pytest.mark.parametrize(("generations_today", "free"), [(0, True), (1, True), (2, True), (3, False), (9, False)])
def test_first_generations_of_the_day_are_free(generations_today: int, free: bool) -> None:
    result = quote(
        duration_seconds=10,
        price_per_second_micros=PRICE_PER_SECOND,
        generations_today=generations_today,
        free_per_day=FREE_PER_DAY,
        characters=(),
        member_holder_ids=frozenset(),
    )
    assert result.free is free
    assert result.base_micros == (0 if free else 200_000)


def test_free_generations_left() -> None:
    assert [free_generations_left(n, 3) for n in range(5)] == [3, 2, 1, 0, 0]
    assert free_generations_left(0, 0) == 0


def test_fees_are_added_and_never_waived() -> None:
    a, b = make_character(250_000), make_character(1)
    result = quote(
        duration_seconds=5,
        price_per_second_micros=PRICE_PER_SECOND,
        generations_today=0,
        free_per_day=FREE_PER_DAY,
        characters=(a, b),
        member_holder_ids=frozenset(),
    )
    assert result.free is True
    assert result.base_micros == 0
    assert result.fees == (Fee(a.character_id, a.holder_id, 250_000), Fee(b.character_id, b.holder_id, 1))
    assert result.total_micros == 250_001
    assert result.fee_for(a.character_id) == 250_000


def test_members_pay_no_fee_for_their_own_characters() -> None:
    own, foreign = make_character(500_000), make_character(250_000)
    result = quote(
        duration_seconds=10,
        price_per_second_micros=PRICE_PER_SECOND,
        generations_today=5,
        free_per_day=FREE_PER_DAY,
        characters=(own, foreign),
        member_holder_ids=frozenset({own.holder_id}),
    )
    assert result.fees == (Fee(foreign.character_id, foreign.holder_id, 250_000),)
    assert result.fee_for(own.character_id) == 0
    assert result.total_micros == 200_000 + 250_000


def test_free_policies_and_repeated_characters_add_no_fee() -> None:
    free, paid = make_character(0), make_character(100)
    result = quote(
        duration_seconds=1,
        price_per_second_micros=PRICE_PER_SECOND,
        generations_today=5,
        free_per_day=FREE_PER_DAY,
        characters=(free, paid, paid),
        member_holder_ids=frozenset(),
    )
    assert result.fees == (Fee(paid.character_id, paid.holder_id, 100),)
    assert result.total_micros == 20_100


def test_negative_inputs_are_rejected() -> None:
    with pytest.raises(ValueError):
        quote(
            duration_seconds=-1,
            price_per_second_micros=PRICE_PER_SECOND,
            generations_today=0,
            free_per_day=FREE_PER_DAY,
            characters=(),
            member_holder_ids=frozenset(),
        )
