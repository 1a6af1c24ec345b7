"""Character policies: validating a draft, and evaluating a remix request against them (RULES.md §1).

Evaluation is "facts in, decision out": the db layer pre-computes everything that needs a query
(memberships, approvals, mutual follows, the current policy of every character) into a `Request`.
Re-evaluating an existing video (worker start, restricting on publish) is `evaluate` with the video's
own prompt, creator and characters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from uuid import UUID

from domain.detection import Detector, normalize
from domain.errors import DomainError, ErrorCode, FieldError
from domain.money import MICROS_PER_USD, Money, format_usd, parse_usd
from domain.rating import Rating

MAX_REVENUE_SHARE_BPS = 10_000
MIN_DURATION_SECONDS = 1
MAX_DURATION_SECONDS = 60
MAX_GENERATION_FEE_MICROS = 100 * MICROS_PER_USD
MAX_BANNED_TERMS = 200
MAX_BANNED_TERM_LENGTH = 100
MAX_ATTRIBUTION_LENGTH = 200
POLICY_FIELD_PREFIX = ("input", "policy")


class Audience(StrEnum):
    OPTED_OUT = "OPTED_OUT"
    APPROVED_CREATORS = "APPROVED_CREATORS"
    MUTUALS = "MUTUALS"
    EVERYONE = "EVERYONE"


class Decision(StrEnum):
    """ALLOW < REVIEW < DENY by `severity` (not by `<`, which would compare the strings)."""

    ALLOW = "ALLOW"
    REVIEW = "REVIEW"
    DENY = "DENY"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Decision.ALLOW: 0, Decision.REVIEW: 1, Decision.DENY: 2}


def strictest(decisions: Iterable[Decision]) -> Decision:
    """DENY if any denies, else REVIEW if any reviews, else ALLOW (also when there are none)."""
    return max(decisions, key=_SEVERITY.__getitem__, default=Decision.ALLOW)


class RestrictAction(StrEnum):
    TAKE_DOWN = "TAKE_DOWN"
    KEEP = "KEEP"


class HolderKind(StrEnum):
    ORGANIZATION = "ORGANIZATION"
    PERSON = "PERSON"


class ReasonCode(StrEnum):
    OPTED_OUT = "OPTED_OUT"
    NOT_APPROVED = "NOT_APPROVED"
    NOT_MUTUALS = "NOT_MUTUALS"
    RATING = "RATING"
    BANNED_TERM = "BANNED_TERM"
    DURATION = "DURATION"
    CROSSOVER = "CROSSOVER"
    BLOCKED_CO_CHARACTER = "BLOCKED_CO_CHARACTER"
    DERIVATIVE = "DERIVATIVE"
    REVIEW_REQUIRED = "REVIEW_REQUIRED"
    TAKEN_DOWN = "TAKEN_DOWN"


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    message: str
    # The character whose policy gave the reason.
    character_id: UUID | None


@dataclass(frozen=True)
class Policy:
    """A validated policy. `version` is 0 until the db publishes it (then `dataclasses.replace`)."""

    version: int
    audience: Audience
    requires_review: bool
    allow_derivatives: bool
    allow_crossovers: bool
    blocked_co_character_ids: frozenset[UUID]
    max_rating: Rating
    banned_terms: tuple[str, ...]
    max_duration_seconds: int
    attribution: str | None
    revenue_share_bps: int
    generation_fee_micros: int
    on_restrict: RestrictAction

    @property
    def generation_fee(self) -> Money:
        return Money(self.generation_fee_micros)


@dataclass(frozen=True)
class PolicyDraft:
    """`PolicyInput` as received, enums and IDs decoded but nothing else checked."""

    audience: Audience
    requires_review: bool
    allow_derivatives: bool
    allow_crossovers: bool
    blocked_co_character_ids: tuple[UUID, ...]
    max_rating: Rating
    banned_terms: tuple[str, ...]
    max_duration_seconds: int
    attribution: str | None
    revenue_share_bps: int
    generation_fee: str
    on_restrict: RestrictAction


# ---------------------------------------------------------------- validation


def validate_policy(
    draft: PolicyDraft,
    *,
    holder_kind: HolderKind,
    field_prefix: tuple[str, ...] = POLICY_FIELD_PREFIX,
) -> Policy:
    """Check every field of `draft` and return the `Policy` (version 0) it describes.

    Raises `DomainError` with one INVALID `FieldError` per bad field, all of them at once, each naming
    `(*field_prefix, "<camelCaseName>")`. Banned terms and attribution are stripped; banned terms are
    deduplicated by their normalised form (first spelling kept); a blank attribution becomes None.
    Whether the blocked characters exist is the caller's (db) concern.
    """
    problems = {
        "audience": _audience_problem(draft.audience, holder_kind),
        "bannedTerms": _banned_terms_problem(draft.banned_terms),
        "maxDurationSeconds": _range_problem(
            "Maximum duration (seconds)",
            draft.max_duration_seconds,
            MIN_DURATION_SECONDS,
            MAX_DURATION_SECONDS,
        ),
        "attribution": _attribution_problem(draft.attribution),
        "revenueShareBps": _range_problem("Revenue share (bps)", draft.revenue_share_bps, 0, MAX_REVENUE_SHARE_BPS),
        "generationFee": _fee_problem(draft.generation_fee),
    }
    errors = [
        FieldError(ErrorCode.INVALID, message, (*field_prefix, name))
        for name, message in problems.items()
        if message is not None
    ]
    if errors:
        raise DomainError(errors)
    return _build_policy(draft)


def _build_policy(draft: PolicyDraft) -> Policy:
    attribution = (draft.attribution or "").strip() or None
    return Policy(
        version=0,
        audience=draft.audience,
        requires_review=draft.requires_review,
        allow_derivatives=draft.allow_derivatives,
        allow_crossovers=draft.allow_crossovers,
        blocked_co_character_ids=frozenset(draft.blocked_co_character_ids),
        max_rating=draft.max_rating,
        banned_terms=_clean_banned_terms(draft.banned_terms),
        max_duration_seconds=draft.max_duration_seconds,
        attribution=attribution,
        revenue_share_bps=draft.revenue_share_bps,
        generation_fee_micros=parse_usd(draft.generation_fee),
        on_restrict=draft.on_restrict,
    )


def _audience_problem(audience: Audience, holder_kind: HolderKind) -> str | None:
    if audience is Audience.MUTUALS and holder_kind is not HolderKind.PERSON:
        return "MUTUALS is only available for a person's own likeness (cameo)."
    return None


def _range_problem(label: str, value: int, low: int, high: int) -> str | None:
    return None if low <= value <= high else f"{label} must be between {low} and {high}."


def _attribution_problem(attribution: str | None) -> str | None:
    if attribution is not None and len(attribution.strip()) > MAX_ATTRIBUTION_LENGTH:
        return f"Attribution must be at most {MAX_ATTRIBUTION_LENGTH} characters."
    return None


def _fee_problem(fee: str) -> str | None:
    try:
        micros = parse_usd(fee)
    except ValueError:
        return "Generation fee must be a plain decimal amount in USD with at most 6 decimals, e.g. 0.25."
    if micros > MAX_GENERATION_FEE_MICROS:
        return f"Generation fee must be at most {format_usd(MAX_GENERATION_FEE_MICROS)}."
    return None


def _banned_terms_problem(terms: tuple[str, ...]) -> str | None:
    if len(terms) > MAX_BANNED_TERMS:
        return f"At most {MAX_BANNED_TERMS} banned terms."
    for index, term in enumerate(terms):
        stripped = term.strip()
        if not 1 <= len(stripped) <= MAX_BANNED_TERM_LENGTH:
            return f"Banned term {index + 1} must be 1 to {MAX_BANNED_TERM_LENGTH} characters."
        if not normalize(stripped):
            return f"Banned term {index + 1} must contain letters or digits."
    return None


def _clean_banned_terms(terms: tuple[str, ...]) -> tuple[str, ...]:
    kept: dict[str, str] = {}
    for term in terms:
        kept.setdefault(normalize(term.strip()), term.strip())
    return tuple(kept.values())


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class CharacterFacts:
    character_id: UUID
    name: str
    holder_id: UUID
    holder_kind: HolderKind
    policy: Policy  # the current version
    # The holder is VERIFIED (RULES §11): only then is the character detected, and its share and fee paid.
    verified: bool = True


@dataclass(frozen=True)
class Request:
    """Everything evaluation needs, about one remix request or one existing video.

    The membership sets describe the creator: the holders they are a member of, the characters they
    are approved for, and the PERSON holders whose person they follow and are followed back by.
    A signed-out creator (`creator_id` None) is treated as a member, approved and mutual of nothing,
    whatever the sets say; EVERYONE still allows them. Requiring sign-in to generate is the API's job.
    """

    creator_id: UUID | None
    prompt: str
    duration_seconds: int
    rating: Rating
    characters: tuple[CharacterFacts, ...]
    remix_of_character_ids: frozenset[UUID] = frozenset()
    member_holder_ids: frozenset[UUID] = frozenset()
    approved_character_ids: frozenset[UUID] = frozenset()
    mutual_holder_ids: frozenset[UUID] = frozenset()

    def is_member(self, holder_id: UUID) -> bool:
        return self.creator_id is not None and holder_id in self.member_holder_ids

    def is_approved(self, character_id: UUID) -> bool:
        return self.creator_id is not None and character_id in self.approved_character_ids

    def is_mutual(self, holder_id: UUID) -> bool:
        return self.creator_id is not None and holder_id in self.mutual_holder_ids

    def others(self, character: CharacterFacts) -> tuple[CharacterFacts, ...]:
        return tuple(other for other in self.characters if other.character_id != character.character_id)


@dataclass(frozen=True)
class CharacterDecision:
    character_id: UUID
    decision: Decision
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class RemixDecision:
    decision: Decision
    per_character: tuple[CharacterDecision, ...]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(reason for each in self.per_character for reason in each.reasons)

    @property
    def denial_reasons(self) -> tuple[Reason, ...]:
        """The reasons of the characters that deny: what POLICY_DENIED reports and deniedAttempts counts."""
        return tuple(reason for each in self.per_character if each.decision is Decision.DENY for reason in each.reasons)

    @property
    def reviewing_character_ids(self) -> tuple[UUID, ...]:
        return tuple(each.character_id for each in self.per_character if each.decision is Decision.REVIEW)


def evaluate(request: Request) -> RemixDecision:
    per_character = tuple(evaluate_character(request, character) for character in request.characters)
    return RemixDecision(strictest(each.decision for each in per_character), per_character)


def evaluate_character(request: Request, character: CharacterFacts) -> CharacterDecision:
    """Members of the holder: ALLOW. Else DENY with every failing check, REVIEW, or ALLOW."""
    if request.is_member(character.holder_id):
        return CharacterDecision(character.character_id, Decision.ALLOW, ())
    refusals = tuple(reason for check in _CHECKS if (reason := check(request, character)) is not None)
    if refusals:
        return CharacterDecision(character.character_id, Decision.DENY, refusals)
    if character.policy.requires_review:
        message = f"{character.name}'s holder approves each video before it is published."
        review = _reason(ReasonCode.REVIEW_REQUIRED, message, character)
        return CharacterDecision(character.character_id, Decision.REVIEW, (review,))
    return CharacterDecision(character.character_id, Decision.ALLOW, ())


def policy_denied(decision: RemixDecision) -> DomainError:
    """The POLICY_DENIED error for a denied request, carrying the denial reasons."""
    message = "The policies of the characters in this video refuse it."
    return DomainError(FieldError(ErrorCode.POLICY_DENIED, message), reasons=decision.denial_reasons)


def takedown_reason(character: CharacterFacts) -> Reason:
    """Why a video was taken down when `character`'s current policy (the new version) restricted it."""
    message = f"Taken down under version {character.policy.version} of {character.name}'s policy."
    return _reason(ReasonCode.TAKEN_DOWN, message, character)


def _reason(code: ReasonCode, message: str, character: CharacterFacts) -> Reason:
    return Reason(code, message, character.character_id)


def _names(characters: Iterable[CharacterFacts]) -> str:
    return ", ".join(sorted(character.name for character in characters))


def _check_audience(request: Request, character: CharacterFacts) -> Reason | None:
    audience, name = character.policy.audience, character.name
    if audience is Audience.OPTED_OUT:
        return _reason(ReasonCode.OPTED_OUT, f"{name} is not open to remixes.", character)
    if audience is Audience.APPROVED_CREATORS and not request.is_approved(character.character_id):
        return _reason(ReasonCode.NOT_APPROVED, f"Only creators approved by its holder may use {name}.", character)
    if audience is Audience.MUTUALS and not request.is_mutual(character.holder_id):
        return _reason(ReasonCode.NOT_MUTUALS, f"Only mutual followers of {name} may use this likeness.", character)
    return None


def _check_rating(request: Request, character: CharacterFacts) -> Reason | None:
    allowed = character.policy.max_rating
    if request.rating <= allowed:
        return None
    message = f"The prompt is rated {request.rating.name}; {character.name} allows at most {allowed.name}."
    return _reason(ReasonCode.RATING, message, character)


def _check_banned_terms(request: Request, character: CharacterFacts) -> Reason | None:
    if not character.policy.banned_terms:  # nothing to look for: the prompt is not even tokenised
        return None
    found = _banned_term_detector(character.policy.banned_terms).find(request.prompt)
    if not found:
        return None
    message = f"The prompt contains terms banned for {character.name}: {', '.join(sorted(found))}."
    return _reason(ReasonCode.BANNED_TERM, message, character)


@lru_cache(maxsize=1024)
def _banned_term_detector(terms: tuple[str, ...]) -> Detector[str]:
    # Same normalisation and word boundaries as names, but exact spelling: one edit of a banned word
    # is often an innocent one ("naked" / "baked").
    return Detector(((term, term) for term in terms), typo_tolerance=False)


def _check_duration(request: Request, character: CharacterFacts) -> Reason | None:
    limit = character.policy.max_duration_seconds
    if request.duration_seconds <= limit:
        return None
    return _reason(ReasonCode.DURATION, f"{character.name} allows videos of at most {limit} seconds.", character)


def _check_crossover(request: Request, character: CharacterFacts) -> Reason | None:
    if character.policy.allow_crossovers:
        return None
    foreign = [other for other in request.others(character) if other.holder_id != character.holder_id]
    if not foreign:
        return None
    message = f"{character.name} may not appear with other holders' characters: {_names(foreign)}."
    return _reason(ReasonCode.CROSSOVER, message, character)


def _check_blocked(request: Request, character: CharacterFacts) -> Reason | None:
    blocked = [other for other in request.others(character) if _blocks_either_way(character, other)]
    if not blocked:
        return None
    message = f"{character.name} may not appear with {_names(blocked)}."
    return _reason(ReasonCode.BLOCKED_CO_CHARACTER, message, character)


def _blocks_either_way(one: CharacterFacts, other: CharacterFacts) -> bool:
    return (
        other.character_id in one.policy.blocked_co_character_ids
        or one.character_id in other.policy.blocked_co_character_ids
    )


def _check_derivative(request: Request, character: CharacterFacts) -> Reason | None:
    if character.policy.allow_derivatives or character.character_id not in request.remix_of_character_ids:
        return None
    message = f"Videos featuring {character.name} may not be remixed."
    return _reason(ReasonCode.DERIVATIVE, message, character)


# In the order of RULES.md §1, which is the order reasons are reported in.
_CHECKS: tuple[Callable[[Request, CharacterFacts], Reason | None], ...] = (
    _check_audience,
    _check_rating,
    _check_banned_terms,
    _check_duration,
    _check_crossover,
    _check_blocked,
    _check_derivative,
)
