from dataclasses import replace
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import DomainError, ErrorCode, FieldError
from domain.policy import (
    Audience,
    CharacterFacts,
    Decision,
    HolderKind,
    PolicyDraft,
    ReasonCode,
    RemixDecision,
    Request,
    RestrictAction,
    evaluate,
    evaluate_character,
    policy_denied,
    strictest,
    takedown_reason,
    validate_policy,
)
from domain.rating import Rating
from tests.domain.factories import OPEN_POLICY

# ---------------------------------------------------------------- helpers


def make_character(
    name: str = "Pikachu",
    *,
    holder_id: UUID | None = None,
    holder_kind: HolderKind = HolderKind.ORGANIZATION,
    character_id: UUID | None = None,
    **policy: Any,
) -> CharacterFacts:
    return CharacterFacts(
        character_id=character_id or uuid4(),
        name=name,
        holder_id=holder_id or uuid4(),
        holder_kind=holder_kind,
        policy=replace(OPEN_POLICY, **policy),
    )


def make_request(*characters: CharacterFacts, **overrides: Any) -> Request:
    values: dict[str, Any] = {
        "creator_id": uuid4(),
        "prompt": "a walk in the park",
        "duration_seconds": 10,
        "rating": Rating.G,
        "characters": characters,
    }
    return Request(**(values | overrides))


def codes(request: Request, character: CharacterFacts) -> list[ReasonCode]:
    return [reason.code for reason in evaluate_character(request, character).reasons]


def make_draft(**overrides: Any) -> PolicyDraft:
    values: dict[str, Any] = {
        "audience": Audience.EVERYONE,
        "requires_review": False,
        "allow_derivatives": True,
        "allow_crossovers": True,
        "blocked_co_character_ids": (),
        "max_rating": Rating.PG13,
        "banned_terms": (),
        "max_duration_seconds": 30,
        "attribution": None,
        "revenue_share_bps": 2000,
        "generation_fee": "0.25",
        "on_restrict": RestrictAction.TAKE_DOWN,
    }
    return PolicyDraft(**(values | overrides))


def invalid_fields(draft: PolicyDraft, holder_kind: HolderKind = HolderKind.ORGANIZATION) -> list[str]:
    with pytest.raises(DomainError) as raised:
        validate_policy(draft, holder_kind=holder_kind)
    assert all(error.code is ErrorCode.INVALID for error in raised.value.errors)
    fields = [error.field for error in raised.value.errors]
    assert all(field is not None and field[:2] == ("input", "policy") for field in fields)
    return [field[2] for field in fields if field is not None]


# ---------------------------------------------------------------- validation


def test_valid_draft_becomes_unpublished_policy() -> None:
    blocked = uuid4()
    draft = make_draft(
        blocked_co_character_ids=(blocked, blocked),
        banned_terms=("  gore ", "Gore", "blood bath"),
        attribution="  © Example Studio  ",
    )
    policy = validate_policy(draft, holder_kind=HolderKind.ORGANIZATION)
    assert policy.version == 0
    assert policy.generation_fee_micros == 250_000
    assert policy.generation_fee.formatted == "$0.25"
    assert policy.blocked_co_character_ids == frozenset({blocked})
    assert policy.banned_terms == ("gore", "blood bath")
    assert policy.attribution == "© Example Studio"
    assert policy.max_rating is Rating.PG13
    assert policy.on_restrict is RestrictAction.TAKE_DOWN


def test_blank_attribution_is_none() -> None:
    assert validate_policy(make_draft(attribution="   "), holder_kind=HolderKind.PERSON).attribution is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"revenue_share_bps": -1}, "revenueShareBps"),
        ({"revenue_share_bps": 10_001}, "revenueShareBps"),
        ({"max_duration_seconds": 0}, "maxDurationSeconds"),
        ({"max_duration_seconds": 61}, "maxDurationSeconds"),
        ({"generation_fee": "100.000001"}, "generationFee"),
        ({"generation_fee": "0.0000001"}, "generationFee"),
        ({"generation_fee": "-1"}, "generationFee"),
        ({"generation_fee": "1e2"}, "generationFee"),
        ({"generation_fee": ""}, "generationFee"),
        ({"banned_terms": tuple(f"term{i}" for i in range(201))}, "bannedTerms"),
        ({"banned_terms": ("ok", "   ")}, "bannedTerms"),
        ({"banned_terms": ("x" * 101,)}, "bannedTerms"),
        ({"banned_terms": ("!!!",)}, "bannedTerms"),
        ({"attribution": "a" * 201}, "attribution"),
        ({"audience": Audience.MUTUALS}, "audience"),
    ],
)
def test_each_invalid_field_is_named(overrides: dict[str, Any], field: str) -> None:
    assert invalid_fields(make_draft(**overrides)) == [field]


@pytest.mark.parametrize(
    "overrides",
    [
        {"revenue_share_bps": 0},
        {"revenue_share_bps": 10_000},
        {"max_duration_seconds": 1},
        {"max_duration_seconds": 60},
        {"generation_fee": "100"},
        {"generation_fee": "100.000000"},
        {"generation_fee": "0"},
        {"banned_terms": tuple(f"term{i}" for i in range(200))},
        {"banned_terms": (" " + "x" * 100 + " ",)},
        {"attribution": "a" * 200},
    ],
)
def test_limits_are_inclusive(overrides: dict[str, Any]) -> None:
    validate_policy(make_draft(**overrides), holder_kind=HolderKind.ORGANIZATION)


def test_mutuals_only_for_person_holders() -> None:
    policy = validate_policy(make_draft(audience=Audience.MUTUALS), holder_kind=HolderKind.PERSON)
    assert policy.audience is Audience.MUTUALS
    assert invalid_fields(make_draft(audience=Audience.MUTUALS), HolderKind.ORGANIZATION) == ["audience"]


def test_every_bad_field_is_reported_at_once() -> None:
    draft = make_draft(
        audience=Audience.MUTUALS,
        banned_terms=("",),
        max_duration_seconds=120,
        attribution="a" * 300,
        revenue_share_bps=20_000,
        generation_fee="abc",
    )
    assert sorted(invalid_fields(draft)) == sorted(
        ["audience", "bannedTerms", "maxDurationSeconds", "attribution", "revenueShareBps", "generationFee"]
    )


def test_field_prefix() -> None:
    with pytest.raises(DomainError) as raised:
        validate_policy(make_draft(max_duration_seconds=0), holder_kind=HolderKind.PERSON, field_prefix=("p",))
    assert [error.field for error in raised.value.errors] == [("p", "maxDurationSeconds")]


# ---------------------------------------------------------------- decisions


def test_strictest() -> None:
    assert strictest([]) is Decision.ALLOW
    assert strictest([Decision.ALLOW, Decision.REVIEW]) is Decision.REVIEW
    assert strictest([Decision.REVIEW, Decision.DENY, Decision.ALLOW]) is Decision.DENY
    assert Decision.ALLOW.severity < Decision.REVIEW.severity < Decision.DENY.severity


def test_open_policy_allows() -> None:
    character = make_character()
    result = evaluate(make_request(character))
    assert result.decision is Decision.ALLOW
    assert result.per_character[0].character_id == character.character_id
    assert result.reasons == ()


def test_no_characters_allows() -> None:
    assert evaluate(make_request()) == RemixDecision(Decision.ALLOW, ())


def test_overall_deny_beats_review_beats_allow() -> None:
    open_, reviewing, closed = (
        make_character("Open"),
        make_character("Reviewing", requires_review=True),
        make_character("Closed", audience=Audience.OPTED_OUT),
    )
    assert evaluate(make_request(open_)).decision is Decision.ALLOW
    reviewed = evaluate(make_request(open_, reviewing))
    assert reviewed.decision is Decision.REVIEW
    assert reviewed.reviewing_character_ids == (reviewing.character_id,)
    assert [r.code for r in reviewed.reasons] == [ReasonCode.REVIEW_REQUIRED]
    denied = evaluate(make_request(open_, reviewing, closed))
    assert denied.decision is Decision.DENY
    assert [each.decision for each in denied.per_character] == [
        Decision.ALLOW,
        Decision.REVIEW,
        Decision.DENY,
    ]
    assert [r.code for r in denied.denial_reasons] == [ReasonCode.OPTED_OUT]


# ---------------------------------------------------------------- each reason code


def test_opted_out() -> None:
    character = make_character(audience=Audience.OPTED_OUT)
    assert codes(make_request(character), character) == [ReasonCode.OPTED_OUT]


def test_not_approved() -> None:
    character = make_character(audience=Audience.APPROVED_CREATORS)
    assert codes(make_request(character), character) == [ReasonCode.NOT_APPROVED]
    approved = make_request(character, approved_character_ids=frozenset({character.character_id}))
    assert codes(approved, character) == []


def test_not_mutuals() -> None:
    character = make_character("Ada", holder_kind=HolderKind.PERSON, audience=Audience.MUTUALS)
    assert codes(make_request(character), character) == [ReasonCode.NOT_MUTUALS]
    mutual = make_request(character, mutual_holder_ids=frozenset({character.holder_id}))
    assert codes(mutual, character) == []


def test_rating() -> None:
    character = make_character(max_rating=Rating.PG)
    assert codes(make_request(character, rating=Rating.PG13), character) == [ReasonCode.RATING]
    assert codes(make_request(character, rating=Rating.PG), character) == []


def test_banned_term_uses_detection_normalisation() -> None:
    character = make_character(banned_terms=("gore",))
    banned = [ReasonCode.BANNED_TERM]
    assert codes(make_request(character, prompt="Pikachu in a G0RE fest"), character) == banned
    assert codes(make_request(character, prompt="a gorilla in the park"), character) == []
    assert codes(make_request(character, prompt="gor3-fest"), character) == banned
    reason = evaluate_character(make_request(character, prompt="gore"), character).reasons[0]
    assert "gore" in reason.message
    assert reason.character_id == character.character_id


def test_banned_terms_need_exact_spelling() -> None:
    character = make_character(banned_terms=("naked", "blood bath"))
    assert codes(make_request(character, prompt="baked beans"), character) == []
    assert codes(make_request(character, prompt="a BLOOD-BATH"), character) == [ReasonCode.BANNED_TERM]


def test_duration() -> None:
    character = make_character(max_duration_seconds=10)
    assert codes(make_request(character, duration_seconds=11), character) == [ReasonCode.DURATION]
    assert codes(make_request(character, duration_seconds=10), character) == []


def test_crossover() -> None:
    holder = uuid4()
    closed = make_character("Mario", holder_id=holder, allow_crossovers=False)
    sibling = make_character("Luigi", holder_id=holder)
    foreign = make_character("Sonic")
    assert codes(make_request(closed, sibling), closed) == []
    assert codes(make_request(closed, sibling, foreign), closed) == [ReasonCode.CROSSOVER]
    # Only the refusing character's policy matters: Sonic allows crossovers.
    assert codes(make_request(closed, foreign), foreign) == []


def test_blocked_co_character_from_both_sides() -> None:
    blocked = make_character("Bowser")
    blocking = make_character("Peach", blocked_co_character_ids=frozenset({blocked.character_id}))
    result = evaluate(make_request(blocking, blocked))
    assert result.decision is Decision.DENY
    for each in result.per_character:
        assert [r.code for r in each.reasons] == [ReasonCode.BLOCKED_CO_CHARACTER]
    assert {r.character_id for r in result.denial_reasons} == {blocking.character_id, blocked.character_id}
    assert codes(make_request(blocking), blocking) == []


def test_derivative() -> None:
    character = make_character(allow_derivatives=False)
    remix = make_request(character, remix_of_character_ids=frozenset({character.character_id}))
    assert codes(remix, character) == [ReasonCode.DERIVATIVE]
    assert codes(make_request(character), character) == []


def test_review_required_only_when_nothing_refuses() -> None:
    character = make_character(requires_review=True, max_duration_seconds=5)
    assert codes(make_request(character, duration_seconds=5), character) == [ReasonCode.REVIEW_REQUIRED]
    decision = evaluate_character(make_request(character, duration_seconds=5), character)
    assert decision.decision is Decision.REVIEW
    assert codes(make_request(character, duration_seconds=6), character) == [ReasonCode.DURATION]


def test_taken_down_reason_names_the_version() -> None:
    character = make_character(version=7)
    reason = takedown_reason(character)
    assert reason.code is ReasonCode.TAKEN_DOWN
    assert reason.character_id == character.character_id
    assert "7" in reason.message


def test_every_reason_code_is_covered() -> None:
    assert {code.value for code in ReasonCode} == {code.name for code in ReasonCode}
    assert len(ReasonCode) == 11


# ---------------------------------------------------------------- collecting and members


def test_every_failing_reason_is_collected_in_table_order() -> None:
    other = make_character("Sonic")
    character = make_character(
        audience=Audience.OPTED_OUT,
        max_rating=Rating.G,
        banned_terms=("gore",),
        max_duration_seconds=5,
        allow_crossovers=False,
        blocked_co_character_ids=frozenset({other.character_id}),
        allow_derivatives=False,
        requires_review=True,
    )
    request = make_request(
        character,
        other,
        prompt="gore",
        rating=Rating.R,
        duration_seconds=30,
        remix_of_character_ids=frozenset({character.character_id}),
    )
    assert codes(request, character) == [
        ReasonCode.OPTED_OUT,
        ReasonCode.RATING,
        ReasonCode.BANNED_TERM,
        ReasonCode.DURATION,
        ReasonCode.CROSSOVER,
        ReasonCode.BLOCKED_CO_CHARACTER,
        ReasonCode.DERIVATIVE,
    ]
    assert evaluate(request).decision is Decision.DENY


def test_members_of_the_holder_are_always_allowed() -> None:
    other = make_character("Sonic")
    character = make_character(
        audience=Audience.OPTED_OUT,
        max_rating=Rating.G,
        max_duration_seconds=5,
        allow_crossovers=False,
        requires_review=True,
    )
    request = make_request(
        character,
        other,
        rating=Rating.R,
        duration_seconds=30,
        member_holder_ids=frozenset({character.holder_id}),
    )
    decision = evaluate_character(request, character)
    assert decision.decision is Decision.ALLOW
    assert decision.reasons == ()


def test_signed_out_creator_is_member_approved_and_mutual_of_nothing() -> None:
    everyone = make_character("Open")
    approved = make_character("Approved", audience=Audience.APPROVED_CREATORS)
    mutuals = make_character("Ada", holder_kind=HolderKind.PERSON, audience=Audience.MUTUALS)
    request = make_request(
        everyone,
        approved,
        mutuals,
        creator_id=None,
        member_holder_ids=frozenset({approved.holder_id}),
        approved_character_ids=frozenset({approved.character_id}),
        mutual_holder_ids=frozenset({mutuals.holder_id}),
    )
    result = evaluate(request)
    assert [each.decision for each in result.per_character] == [Decision.ALLOW, Decision.DENY, Decision.DENY]
    assert [r.code for r in result.denial_reasons] == [ReasonCode.NOT_APPROVED, ReasonCode.NOT_MUTUALS]


def test_policy_denied_error_carries_the_denial_reasons() -> None:
    closed = make_character(audience=Audience.OPTED_OUT)
    reviewing = make_character("Reviewing", requires_review=True)
    error = policy_denied(evaluate(make_request(closed, reviewing)))
    assert error.code is ErrorCode.POLICY_DENIED
    assert len(error.errors) == 1
    assert [r.code for r in error.reasons] == [ReasonCode.OPTED_OUT]


def test_domain_error_takes_one_or_many_errors() -> None:
    one = FieldError(ErrorCode.NOT_FOUND, "No such character.", ("input", "characterId"))
    assert DomainError(one).errors == (one,)
    assert DomainError([one, one]).errors == (one, one)
    assert DomainError.of(ErrorCode.FORBIDDEN, "Members only.").code is ErrorCode.FORBIDDEN
    with pytest.raises(ValueError):
        DomainError([])
