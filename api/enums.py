"""The contract's enums, exposed from the domain's own enums (values equal GraphQL names)."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from domain.policy import Audience, Decision, HolderKind, RestrictAction
from domain.rating import Rating


class CharacterKind(StrEnum):
    FICTIONAL = "FICTIONAL"
    CAMEO = "CAMEO"


AudienceType = strawberry.enum(Audience, name="Audience")
DecisionType = strawberry.enum(Decision, name="Decision")
HolderKindType = strawberry.enum(HolderKind, name="HolderKind")
RestrictActionType = strawberry.enum(RestrictAction, name="RestrictAction")
ContentRatingType = strawberry.enum(Rating, name="ContentRating")
CharacterKindType = strawberry.enum(CharacterKind, name="CharacterKind")
