"""GraphQL types of characters, their policies and policy decisions."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.context import Info
from api.enums import (
    AudienceType,
    CharacterKindType,
    ContentRatingType,
    DecisionType,
    RestrictActionType,
)
from api.errors import Forbidden
from api.loaders import loaded
from api.money import MoneyType
from api.node import Node, lazy_id, register_node
from api.pagination import Connection, decode_cursor, page_size
from db import remix
from db.queries import characters, feed, holders, policies
from domain import policy as rules

if TYPE_CHECKING:
    from api.holders.types import Holder
    from api.videos.types import Video


@strawberry.type(name="PolicyReason")
class PolicyReason:
    code: str = strawberry.field(
        description="Stable machine code, e.g. OPTED_OUT, NOT_APPROVED, NOT_MUTUALS, RATING, BANNED_TERM, "
        "CROSSOVER, BLOCKED_CO_CHARACTER, DURATION, DERIVATIVE, REVIEW_REQUIRED, TAKEN_DOWN."
    )
    message: str
    character_id: strawberry.Private[UUID | None]

    @classmethod
    def of(cls, reason: rules.Reason) -> PolicyReason:
        return cls(code=reason.code.value, message=reason.message, character_id=reason.character_id)

    @strawberry.field
    async def character(self, info: Info) -> Character | None:
        return await load_character(info, self.character_id) if self.character_id else None


@strawberry.type(name="PolicyDecision")
class PolicyDecision:
    decision: DecisionType  # type: ignore[valid-type]
    reasons: list[PolicyReason]

    @classmethod
    def of(cls, decision: rules.CharacterDecision) -> PolicyDecision:
        return cls(decision=decision.decision, reasons=[PolicyReason.of(r) for r in decision.reasons])


@strawberry.type(name="DeniedAttemptCount")
class DeniedAttemptCount:
    code: str
    count: int


@strawberry.type(name="CharacterPolicy")
class CharacterPolicy:
    version: int
    audience: AudienceType  # type: ignore[valid-type]
    requires_review: bool = strawberry.field(
        description="Each video must be approved by the holder before it is published."
    )
    allow_derivatives: bool = strawberry.field(
        description="Whether videos with this character may themselves be remixed."
    )
    allow_crossovers: bool = strawberry.field(
        description="Whether the character may appear with characters of other holders."
    )
    max_rating: ContentRatingType  # type: ignore[valid-type]
    banned_terms: list[str] = strawberry.field(
        description="Prompts containing any of these words or phrases are refused."
    )
    max_duration_seconds: int
    attribution: str | None = strawberry.field(
        description="Credit line shown with every video featuring the character."
    )
    revenue_share_bps: int = strawberry.field(
        description="The holder's cut of each qualified view's revenue, in basis points (0..10000)."
    )
    generation_fee: MoneyType = strawberry.field(
        description="Charged to the creator per generation featuring the character, paid to the holder."
    )
    on_restrict: RestrictActionType  # type: ignore[valid-type]
    published_at: datetime
    blocked_ids: strawberry.Private[frozenset[UUID]]

    @classmethod
    def of(cls, published: policies.PublishedPolicy) -> CharacterPolicy:
        p = published.policy
        return cls(
            version=p.version,
            audience=p.audience,
            requires_review=p.requires_review,
            allow_derivatives=p.allow_derivatives,
            allow_crossovers=p.allow_crossovers,
            max_rating=p.max_rating,
            banned_terms=list(p.banned_terms),
            max_duration_seconds=p.max_duration_seconds,
            attribution=p.attribution,
            revenue_share_bps=p.revenue_share_bps,
            generation_fee=MoneyType.usd(p.generation_fee_micros),
            on_restrict=p.on_restrict,
            published_at=published.published_at,
            blocked_ids=p.blocked_co_character_ids,
        )

    @strawberry.field(description="Characters this one must never appear with.")
    async def blocked_co_characters(self, info: Info) -> list[Character]:
        found = await info.context.loaders.character.load_many(sorted(self.blocked_ids))
        return [Character.from_row(row) for row in found if row is not None]


@strawberry.type(name="Character")
class Character(Node):
    id: strawberry.ID = lazy_id("Character", lambda character: character.raw_id)
    name: str
    aliases: list[str] = strawberry.field(
        description="Other names the character is known by; prompts mentioning any of them feature the character."
    )
    description: str | None
    kind: CharacterKindType  # type: ignore[valid-type]
    follower_count: int
    raw_id: strawberry.Private[UUID]
    holder_id: strawberry.Private[UUID]
    traits: strawberry.Private[tuple[str, ...]] = ()
    trait_threshold: strawberry.Private[int] = 3

    @classmethod
    def from_row(cls, row: characters.Character) -> Character:
        return cls(
            raw_id=row.id,
            holder_id=row.holder_id,
            name=row.name,
            aliases=list(row.aliases),
            description=row.description,
            kind=row.kind,
            follower_count=row.follower_count,
            traits=row.descriptors,
            trait_threshold=row.descriptor_threshold,
        )

    @strawberry.field(
        description="Distinctive traits; a prompt naming at least descriptorThreshold of them features the "
        "character (DESCRIBED). Members only."
    )
    async def descriptors(self, info: Info) -> list[str] | None:
        return list(self.traits) if self.holder_id in await info.context.loaders.viewer_holder_ids() else None

    @strawberry.field(description="Members only.")
    async def descriptor_threshold(self, info: Info) -> int | None:
        return self.trait_threshold if self.holder_id in await info.context.loaders.viewer_holder_ids() else None

    # holder and policy are plain functions: synchronous when the list loaded them up front.
    @strawberry.field(graphql_type=Annotated["Holder", strawberry.lazy("api.holders.types")])
    def holder(self, info: Info) -> Holder | Awaitable[Holder]:
        return loaded(info.context.loaders.holder, self.holder_id, _holder)

    @strawberry.field(graphql_type=CharacterPolicy, description="The policy in force: the latest published version.")
    def policy(self, info: Info) -> CharacterPolicy | Awaitable[CharacterPolicy]:
        return loaded(info.context.loaders.current_policy, self.raw_id, _current_policy)

    @strawberry.field(
        description="Every published version, newest first (members only for versions other than the current)."
    )
    async def policy_history(self, info: Info) -> list[CharacterPolicy]:
        if self.holder_id not in await info.context.loaders.viewer_holder_ids():
            return [_current_policy(await info.context.loaders.current_policy.load(self.raw_id))]
        async with info.context.pool.acquire() as conn:
            history = await policies.policy_history(conn, character_id=self.raw_id)
        return [CharacterPolicy.of(published) for published in history]

    @strawberry.field
    async def viewer_follows(self, info: Info) -> bool:
        if info.context.viewer_id is None:
            return False
        return await info.context.loaders.viewer_follows_character.load(self.raw_id)

    @strawberry.field(description="Whether the signed-in viewer may generate this character now, and if not why.")
    async def viewer_access(self, info: Info) -> PolicyDecision:
        async with info.context.pool.acquire() as conn:
            request, _ = await remix.load_request(
                conn, creator_id=info.context.viewer_id, prompt="", duration_seconds=1, character_ids=[self.raw_id]
            )
        return PolicyDecision.of(rules.evaluate_character(request, request.characters[0]))

    @strawberry.field(
        description="The character's feed, newest first. includeUnpublished (members of the holder only) adds "
        "drafts, pending, rejected, failed and taken-down videos."
    )
    async def videos(
        self, info: Info, first: int | None = None, after: str | None = None, include_unpublished: bool | None = False
    ) -> Connection[Annotated[Video, strawberry.lazy("api.videos.types")]]:
        from api.videos.types import created_cursor, published_cursor, video_connection

        if include_unpublished:
            info.context.require_viewer()
            if self.holder_id not in await info.context.loaders.viewer_holder_ids():
                raise Forbidden("Only members of the character's holder see its unpublished videos.")
        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await feed.videos_of_character(
                conn,
                viewer_id=info.context.viewer_id,
                character_id=self.raw_id,
                everything=bool(include_unpublished),
                after=keyset,
                limit=size + 1,
            )
        return video_connection(info, rows, size, after, created_cursor if include_unpublished else published_cursor)

    @strawberry.field(
        description="Members only: how often creators tried and were refused, by reason code, in [from, to)."
    )
    async def denied_attempts(
        self, info: Info, from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime
    ) -> list[DeniedAttemptCount]:
        info.context.require_viewer()
        if self.holder_id not in await info.context.loaders.viewer_holder_ids():
            raise Forbidden("Only members of the character's holder see denied attempts.")
        async with info.context.pool.acquire() as conn:
            counts = await policies.denied_counts(conn, character_id=self.raw_id, start=from_, end=to)
        return [DeniedAttemptCount(code=code, count=count) for code, count in counts]


def _holder(row: holders.Holder | None) -> Holder:
    from api.holders.types import Holder

    assert row is not None, "characters.holder_id is a foreign key"
    return Holder.from_row(row)


def _current_policy(published: policies.PublishedPolicy | None) -> CharacterPolicy:
    assert published is not None, "every character is created with policy version 1"
    return CharacterPolicy.of(published)


async def load_character(info: Info, character_id: UUID) -> Character | None:
    row = await info.context.loaders.character.load(character_id)
    return Character.from_row(row) if row else None


register_node("Character", load_character)
