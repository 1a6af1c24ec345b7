"""RemixInput and the RemixCheck dry run."""

from __future__ import annotations

import enum
from uuid import UUID

import strawberry

from api.characters.types import Character, PolicyDecision, load_character
from api.context import Info
from api.enums import ContentRatingType, DecisionType
from api.money import MoneyType
from workers.generators.base import Aspect

AspectType = strawberry.enum(Aspect, name="Aspect")


@strawberry.enum(name="MatchKind")
class MatchKind(enum.Enum):
    EXACT = "EXACT"
    NORMALISED = "NORMALISED"
    FUZZY = "FUZZY"
    PHONETIC = "PHONETIC"
    TRANSLITERATED = "TRANSLITERATED"
    DESCRIBED = "DESCRIBED"
    TAGGED = "TAGGED"
    MENTIONED = "MENTIONED"
    INHERITED = "INHERITED"


@strawberry.type(
    name="CharacterMatch",
    description="Why a character is in a request: which words of the prompt matched which alias, and how.",
)
class CharacterMatch:
    kind: MatchKind
    text: str = strawberry.field(description="The prompt's own text that matched (empty for TAGGED and INHERITED).")
    alias: str | None = strawberry.field(description="The alias or descriptor matched; null for TAGGED and INHERITED.")
    character_id: strawberry.Private[UUID]

    @strawberry.field
    async def character(self, info: Info) -> Character:
        character = await load_character(info, self.character_id)
        assert character is not None  # the plan only names characters that exist
        return character


@strawberry.input
class RemixInput:
    prompt: str
    character_ids: list[strawberry.ID] = strawberry.field(
        description="Characters the creator tags explicitly; characters named in the prompt are added automatically."
    )
    remix_of_id: strawberry.ID | None = None
    duration_seconds: int = 5
    aspect: AspectType = Aspect.PORTRAIT  # type: ignore[valid-type]
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying createRemix with the same key returns the first result and charges once."
    )


@strawberry.type
class RemixCheck:
    decision: DecisionType = strawberry.field(  # type: ignore[valid-type]
        description="Overall: DENY if any character denies, else REVIEW if any requires review, else ALLOW."
    )
    characters: list[Character]
    decisions: list[PolicyDecision] = strawberry.field(description="Per character, in the same order as characters.")
    rating: ContentRatingType  # type: ignore[valid-type]
    price: MoneyType = strawberry.field(
        description="What createRemix with this input would charge now (zero base price while free generations last)."
    )
    matches: list[CharacterMatch] = strawberry.field(
        default_factory=list, description="Every match found, in prompt order; a character may match more than once."
    )
