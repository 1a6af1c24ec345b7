"""RemixInput and the RemixCheck dry run."""

from __future__ import annotations

import strawberry

from api.characters.types import Character, PolicyDecision
from api.enums import ContentRatingType, DecisionType
from api.money import MoneyType
from workers.generators.base import Aspect

AspectType = strawberry.enum(Aspect, name="Aspect")


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
