"""The Claim node: a holder's claim on a missed character, or a creator's appeal (RULES §8)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.context import Info
from api.ids import to_global_id
from api.money import MoneyType
from api.node import Node, register_node
from api.pagination import Connection, connection, encode_cursor
from db.queries import claims
from domain.claims import ClaimAction, ClaimKind, ClaimStatus

if TYPE_CHECKING:
    from api.characters.types import Character
    from api.videos.types import Video

ClaimKindType = strawberry.enum(ClaimKind, name="ClaimKind")
ClaimActionType = strawberry.enum(ClaimAction, name="ClaimAction")
ClaimStatusType = strawberry.enum(ClaimStatus, name="ClaimStatus")


@strawberry.type(name="Claim")
class Claim(Node):
    kind: ClaimKindType  # type: ignore[valid-type]
    action: ClaimActionType | None  # type: ignore[valid-type]
    status: ClaimStatusType  # type: ignore[valid-type]
    reason: str = strawberry.field(description="The claimant's evidence or the appellant's reason.")
    response: str | None = strawberry.field(description="The other side's answer.")
    deadline: datetime | None = strawberry.field(
        description="When the party whose move it is must act, else the claim resolves by default (RULES §8)."
    )
    created_at: datetime
    resolved_at: datetime | None
    row: strawberry.Private[claims.Claim]

    @classmethod
    def from_row(cls, row: claims.Claim) -> Claim:
        return cls(
            id=strawberry.ID(to_global_id("Claim", row.id)),
            kind=row.kind,
            action=row.action,
            status=row.status,
            reason=row.reason,
            response=row.response,
            deadline=row.deadline if row.is_open else None,
            created_at=row.created_at,
            resolved_at=row.resolved_at,
            row=row,
        )

    @strawberry.field(description="View revenue held while the claim is open or disputed.")
    def held(self) -> MoneyType:
        return MoneyType.usd(self.row.held_micros)

    @strawberry.field
    async def video(self, info: Info) -> Annotated[Video, strawberry.lazy("api.videos.types")]:
        from api.videos.types import Video

        row = await info.context.loaders.video.load(self.row.video_id)
        assert row is not None  # a claim's video is never deleted from the table
        return Video.from_row(row)

    @strawberry.field
    async def character(self, info: Info) -> Annotated[Character, strawberry.lazy("api.characters.types")] | None:
        from api.characters.types import load_character

        return await load_character(info, self.row.character_id) if self.row.character_id else None


async def may_see_claim(info: Info, row: claims.Claim) -> bool:
    """The video's creator, the claimant holder's members and the members of its characters' holders."""
    viewer_id = info.context.viewer_id
    if viewer_id is None:
        return False
    video = await info.context.loaders.video.load(row.video_id)
    if video is None:
        return False
    if viewer_id == video.creator_id:
        return True
    characters = await info.context.loaders.character.load_many(list(video.character_ids))
    concerned = {c.holder_id for c in characters if c is not None} | ({row.holder_id} if row.holder_id else set())
    return bool(concerned & await info.context.loaders.viewer_holder_ids())


async def load_claim(info: Info, claim_id: UUID) -> Claim | None:
    row = await info.context.loaders.claim.load(claim_id)
    return Claim.from_row(row) if row is not None and await may_see_claim(info, row) else None


def claim_cursor(row: claims.Claim) -> str:
    return encode_cursor(row.created_at, row.id)


def claim_connection(rows: list[claims.Claim], size: int, after: str | None) -> Connection[Claim]:
    return connection(rows, size, Claim.from_row, claim_cursor, after=after)


register_node("Claim", load_claim)
