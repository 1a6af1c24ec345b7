"""Inputs and payloads of the character mutations, and their decoding into domain drafts."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import strawberry

from api.characters.types import Character
from api.context import Info
from api.enums import AudienceType, ContentRatingType, RestrictActionType
from api.errors import UserError, invalid
from api.ids import decode_id
from domain.alias_warnings import AliasWarningCode
from domain.detection import normalize
from domain.errors import DomainError, FieldError
from domain.policy import PolicyDraft

MAX_ALIASES = 50
MAX_ALIAS_LENGTH = 100
MAX_DESCRIPTORS = 20
MAX_DESCRIPTOR_LENGTH = 60
MIN_THRESHOLD, MAX_THRESHOLD = 2, 10

AliasWarningCodeType = strawberry.enum(AliasWarningCode, name="AliasWarningCode")


@strawberry.type(
    name="AliasWarning",
    description="A name, alias or descriptor that will match prompts the holder may not mean (e.g. an everyday word).",
)
class AliasWarning:
    alias: str
    code: AliasWarningCodeType  # type: ignore[valid-type]
    message: str
    other_id: strawberry.Private[UUID | None]

    @strawberry.field(description="For COLLIDES: the other character it also matches.")
    async def other(self, info: Info) -> Character | None:
        row = await info.context.loaders.character.load(self.other_id) if self.other_id else None
        return Character.from_row(row) if row is not None else None


def clean_descriptors(
    descriptors: list[str] | None, threshold: int | None, errors: list[FieldError]
) -> list[str] | None:
    """Stripped descriptors without duplicates (None: not given); problems appended to `errors`."""
    if threshold is not None and not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        message = f"The descriptor threshold must be {MIN_THRESHOLD} to {MAX_THRESHOLD}."
        errors.append(invalid(message, "input", "descriptorThreshold"))
    if descriptors is None:
        return None
    kept = list(dict.fromkeys(d.strip() for d in descriptors))
    if len(kept) > MAX_DESCRIPTORS or any(not 1 <= len(d) <= MAX_DESCRIPTOR_LENGTH or not normalize(d) for d in kept):
        message = f"At most {MAX_DESCRIPTORS} descriptors of 1-{MAX_DESCRIPTOR_LENGTH} characters with letters."
        errors.append(invalid(message, "input", "descriptors"))
    return kept


@strawberry.input
class PolicyInput:
    audience: AudienceType  # type: ignore[valid-type]
    requires_review: bool
    allow_derivatives: bool
    allow_crossovers: bool
    blocked_co_character_ids: list[strawberry.ID]
    max_rating: ContentRatingType  # type: ignore[valid-type]
    banned_terms: list[str]
    max_duration_seconds: int
    revenue_share_bps: int
    generation_fee: str = strawberry.field(description='Decimal amount in USD, e.g. "0.25".')
    on_restrict: RestrictActionType  # type: ignore[valid-type]
    attribution: str | None = None


@strawberry.input
class CreateCharacterInput:
    holder_id: strawberry.ID
    name: str
    aliases: list[str]
    policy: PolicyInput
    description: str | None = None
    descriptors: list[str] | None = None
    descriptor_threshold: int | None = None


@strawberry.input
class CreateCameoInput:
    aliases: list[str] = strawberry.field(
        description="Names the person is called by in prompts; the handle and display name are always included."
    )
    policy: PolicyInput
    description: str | None = None


@strawberry.input
class UpdateCharacterInput:
    character_id: strawberry.ID
    name: str | None = None
    aliases: list[str] | None = None
    description: str | None = None
    descriptors: list[str] | None = None
    descriptor_threshold: int | None = None


@strawberry.input
class PublishPolicyInput:
    character_id: strawberry.ID
    policy: PolicyInput


@strawberry.type
class CharacterPayload:
    character: Character | None = None
    taken_down: int | None = strawberry.field(
        default=None,
        description="For publishPolicy with onRestrict TAKE_DOWN: how many existing videos were taken down.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
    alias_warnings: list[AliasWarning] = strawberry.field(default_factory=list)


def policy_draft(raw: PolicyInput) -> PolicyDraft:
    """The draft of a PolicyInput; INVALID when a blocked character ID is not a character's."""
    blocked = tuple(decode_id(global_id, "Character") for global_id in raw.blocked_co_character_ids)
    if any(raw_id is None for raw_id in blocked):
        raise DomainError(invalid("Not a character ID.", "input", "policy", "blockedCoCharacterIds"))
    return PolicyDraft(
        audience=raw.audience,
        requires_review=raw.requires_review,
        allow_derivatives=raw.allow_derivatives,
        allow_crossovers=raw.allow_crossovers,
        blocked_co_character_ids=tuple(b for b in blocked if b is not None),
        max_rating=raw.max_rating,
        banned_terms=tuple(raw.banned_terms),
        max_duration_seconds=raw.max_duration_seconds,
        attribution=raw.attribution,
        revenue_share_bps=raw.revenue_share_bps,
        generation_fee=raw.generation_fee,
        on_restrict=raw.on_restrict,
    )


def clean_aliases(aliases: Iterable[str], errors: list[FieldError]) -> list[str]:
    """Stripped aliases without duplicates (same normalised form); problems appended to `errors`."""
    kept: dict[str, str] = {}
    for alias in (a.strip() for a in aliases):
        if not 1 <= len(alias) <= MAX_ALIAS_LENGTH or not normalize(alias):
            errors.append(
                invalid(f"Each alias must be 1-{MAX_ALIAS_LENGTH} characters with letters.", "input", "aliases")
            )
            return []
        kept.setdefault(alias.lower(), alias)
    if len(kept) > MAX_ALIASES:
        errors.append(invalid(f"At most {MAX_ALIASES} aliases.", "input", "aliases"))
    return list(kept.values())
