"""checkRemix: the dry run of createRemix. It charges and records nothing."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.characters.types import Character, PolicyDecision
from api.context import Info
from api.errors import BadUserInput, Forbidden
from api.ids import decode_id
from api.money import MoneyType
from api.remix.types import CharacterMatch, MatchKind, RemixCheck, RemixInput
from db.remix import PricingConfig, RemixRequest, plan_remix
from domain.errors import DomainError, ErrorCode, FieldError


def remix_request(viewer_id: UUID, input: RemixInput) -> RemixRequest:
    """Decode the input's IDs; an ID of the wrong kind is reported like an unknown one."""
    character_ids = [decode_id(i, "Character") for i in input.character_ids]
    if None in character_ids:
        raise DomainError(FieldError(ErrorCode.NOT_FOUND, "Unknown character.", ("input", "characterIds")))
    remix_of_id = decode_id(input.remix_of_id, "Video") if input.remix_of_id is not None else None
    if input.remix_of_id is not None and remix_of_id is None:
        raise DomainError(FieldError(ErrorCode.NOT_FOUND, "No such video to remix.", ("input", "remixOfId")))
    return RemixRequest(
        creator_id=viewer_id,
        prompt=input.prompt,
        character_ids=tuple(i for i in character_ids if i is not None),
        remix_of_id=remix_of_id,
        duration_seconds=input.duration_seconds,
    )


async def refuse_blocked_source(info: Info, remix_of_id: UUID | None) -> None:
    """FORBIDDEN to remix a video whose creator and the viewer are in a block, whichever made it
    (RULES §10): checkRemix says so exactly as createRemix refuses it."""
    source = await info.context.loaders.video.load(remix_of_id) if remix_of_id else None
    if source is not None and source.creator_id in await info.context.loaders.viewer_blocks():
        raise Forbidden("You and this video's creator have blocked each other.")


def pricing_config(info: Info) -> PricingConfig:
    settings = info.context.services.settings
    return PricingConfig(
        price_per_second_micros=settings.generation_price_per_second_micros,
        free_per_day=settings.free_generations_per_day,
        max_characters=settings.max_characters_per_video,
    )


@strawberry.type
class RemixQueries:
    @strawberry.field(
        description="Dry run of createRemix: which characters the prompt features, each holder's decision, "
        "the rating and the price. Charges nothing. Refused (FORBIDDEN) as createRemix is when the viewer and "
        "the creator of remixOfId are in a block."
    )
    async def check_remix(self, info: Info, input: RemixInput) -> RemixCheck:
        viewer_id = info.context.require_viewer()
        try:
            request = remix_request(viewer_id, input)
            await refuse_blocked_source(info, request.remix_of_id)
            async with info.context.pool.acquire() as conn:
                plan = await plan_remix(conn, info.context.services.catalog, pricing_config(info), request)
        except DomainError as error:
            raise BadUserInput("; ".join(e.message for e in error.errors)) from error
        rows = await info.context.loaders.character.load_many([c.character_id for c in plan.characters])
        return RemixCheck(
            decision=plan.decision.decision,
            characters=[Character.from_row(row) for row in rows if row is not None],
            decisions=[PolicyDecision.of(each) for each in plan.decision.per_character],
            rating=plan.rating,
            price=MoneyType.usd(plan.quote.total_micros),
            matches=[
                CharacterMatch(kind=MatchKind(m.kind), text=m.text, alias=m.alias, character_id=m.character_id)
                for m in plan.matches
            ],
        )
