"""The Holder type: an organisation or a person holding rights in characters."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.accounts.types import User
from api.characters.types import Character
from api.context import Info
from api.enums import HolderKindType
from api.errors import Forbidden
from api.money import MoneyType
from api.node import Node, lazy_id, register_node
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from db.queries import characters, feed, holders
from domain.verification import VerificationStatus

VerificationStatusType = strawberry.enum(VerificationStatus, name="VerificationStatus")

if TYPE_CHECKING:
    from api.claims.types import Claim, ClaimStatusType
    from api.payouts.types import PayoutAccount
    from api.videos.types import Video
    from api.views.types import EarningsReport


@strawberry.type(name="Holder")
class Holder(Node):
    id: strawberry.ID = lazy_id("Holder", lambda holder: holder.raw_id)
    name: str
    kind: HolderKindType  # type: ignore[valid-type]
    created_at: datetime
    verification: VerificationStatusType = strawberry.field(  # type: ignore[valid-type]
        description="ORGANIZATION holders start UNVERIFIED; PERSON (cameo) holders are VERIFIED by their own account."
    )
    raw_id: strawberry.Private[UUID]
    verification_requested_at: strawberry.Private[datetime | None] = None

    @classmethod
    def from_row(cls, row: holders.Holder) -> Holder:
        return cls(
            raw_id=row.id,
            name=row.name,
            kind=row.kind,
            created_at=row.created_at,
            verification=row.verification,
            verification_requested_at=row.verification_requested_at,
        )

    @strawberry.field
    async def characters(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Character]:
        size = page_size(first)
        keyset = decode_cursor(after, str, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await characters.characters_of_holder(
                conn,
                holder_id=self.raw_id,
                after=keyset,
                limit=size + 1,
            )
        for row in rows:
            info.context.loaders.character.prime(row.id, row)
        return connection(rows, size, Character.from_row, lambda r: encode_cursor(r.name, r.id), after=after)

    @strawberry.field(description="Members only: videos waiting for this holder's review, oldest first.")
    async def review_queue(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Video, strawberry.lazy("api.videos.types")]]:
        from api.videos.types import created_cursor, video_connection

        viewer_id = await require_member(info, self.raw_id)
        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await feed.review_queue(
                conn, viewer_id=viewer_id, holder_id=self.raw_id, after=keyset, limit=size + 1
            )
        return video_connection(info, rows, size, after, created_cursor)

    @strawberry.field(description="Members and operators only: the evidence of the last verification request.")
    async def verification_evidence(self, info: Info) -> str | None:
        if self.raw_id not in await info.context.loaders.viewer_holder_ids():
            await info.context.require_operator()
        async with info.context.pool.acquire() as conn:
            return await holders.verification_evidence(conn, holder_id=self.raw_id)

    @strawberry.field(description="Members only (FORBIDDEN otherwise).")
    async def members(self, info: Info) -> list[User]:
        await require_member(info, self.raw_id)
        async with info.context.pool.acquire() as conn:
            ids = await holders.member_ids(conn, holder_id=self.raw_id)
        rows = await info.context.loaders.user.load_many(ids)
        return [User.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="Members only: revenue credited to this holder in [from, to).")
    async def earnings(
        self, info: Info, from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime
    ) -> Annotated[EarningsReport, strawberry.lazy("api.views.types")]:
        from api.views.resolvers import holder_earnings

        return await holder_earnings(info, self.raw_id, from_, to)

    @strawberry.field(description="Members only: the holder's balance of credited, unpaid earnings.")
    async def balance(self, info: Info) -> MoneyType:
        from api.views.resolvers import holder_balance

        return await holder_balance(info, self.raw_id)

    @strawberry.field(description="Claims this holder filed, newest first. Members only.")
    async def claims(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: Annotated[ClaimStatusType, strawberry.lazy("api.claims.types")] | None = None,  # type: ignore[valid-type]
    ) -> Connection[Annotated[Claim, strawberry.lazy("api.claims.types")]]:
        from api.claims.queries import claims_page

        await require_member(info, self.raw_id)
        return await claims_page(info, holder_id=self.raw_id, first=first, after=after, status=status)

    @strawberry.field(description="Members only.")
    async def payout_account(self, info: Info) -> Annotated[PayoutAccount, strawberry.lazy("api.payouts.types")]:
        from api.payouts.types import payout_account
        from db.payouts import Owner

        await require_member(info, self.raw_id)
        return await payout_account(info, Owner(holder_id=self.raw_id))

    @strawberry.field(description="Members only: the holder's statement for a calendar month (UTC), CSV.")
    async def statement_url(self, info: Info, month: str) -> str | None:
        from api.statements import statement_url
        from db.payouts import Owner

        await require_member(info, self.raw_id)
        return await statement_url(info, Owner(holder_id=self.raw_id), month)


async def require_member(info: Info, holder_id: UUID) -> UUID:
    """The viewer's id when they are a member of the holder; UNAUTHENTICATED or FORBIDDEN otherwise."""
    viewer_id = info.context.require_viewer()
    if holder_id not in await info.context.loaders.viewer_holder_ids():
        raise Forbidden("Only the holder's members may do this.")
    return viewer_id


async def load_holder(info: Info, holder_id: UUID) -> Holder | None:
    row = await info.context.loaders.holder.load(holder_id)
    return Holder.from_row(row) if row else None


register_node("Holder", load_holder)
