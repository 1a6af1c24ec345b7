"""GraphQL types of views and revenue: ViewInput, RecordViewsPayload, VideoRevenue, EarningsReport."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.characters.types import Character
from api.context import Info
from api.errors import UserError
from api.holders.types import Holder
from api.ids import to_global_id
from api.money import MoneyType
from db.queries.earnings import Bucket, Earnings
from domain.revenue import Split


@strawberry.input(name="ViewInput")
class ViewInput:
    video_id: strawberry.ID
    watched_ms: int = strawberry.field(description="How long the video was watched in this view, in milliseconds.")
    client_event_id: str = strawberry.field(
        description="Client-generated unique ID of this view event: replays with the same ID count once."
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="When the view happened (client clock); defaults to receipt time. Views older than 24 hours "
        "are refused.",
    )


@strawberry.type(name="RecordViewsPayload")
class RecordViewsPayload:
    accepted: int = strawberry.field(default=0, description="Events stored for the first time.")
    duplicates: int = strawberry.field(default=0, description="Events already stored earlier (same clientEventId).")
    qualified: int = strawberry.field(
        default=0, description="Accepted events that count as qualified views (and so earn revenue)."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(name="HolderShare")
class HolderShare:
    amount: MoneyType
    holder_id: strawberry.Private[UUID]
    character_id: strawberry.Private[UUID]

    @strawberry.field
    async def holder(self, info: Info) -> Holder:
        row = await info.context.loaders.holder.load(self.holder_id)
        assert row is not None, "a license's character always has a holder"
        return Holder.from_row(row)

    @strawberry.field
    async def character(self, info: Info) -> Character:
        row = await info.context.loaders.character.load(self.character_id)
        assert row is not None, "a license's character is never deleted while licensed"
        return Character.from_row(row)


@strawberry.type(name="VideoRevenue")
class VideoRevenue:
    qualified_views: int
    gross: MoneyType
    platform: MoneyType
    creator: MoneyType
    ancestors: MoneyType = strawberry.field(description="Paid to the creators of the videos this one remixes.")
    holders: list[HolderShare]

    @classmethod
    def of(cls, views: int, owed: Split) -> VideoRevenue:
        return cls(
            qualified_views=views,
            gross=MoneyType.usd(owed.gross),
            platform=MoneyType.usd(owed.platform),
            creator=MoneyType.usd(owed.creator),
            ancestors=MoneyType.usd(sum(amount for _, amount in owed.ancestors)),
            holders=[
                HolderShare(amount=MoneyType.usd(amount), holder_id=lic.holder_id, character_id=lic.character_id)
                for lic, amount in owed.holders
            ],
        )


@strawberry.type(name="EarningsBucket")
class EarningsBucket:
    key: str = strawberry.field(description="YYYY-MM-DD for byDay, the item's global ID for byItem.")
    amount: MoneyType
    qualified_views: int

    @classmethod
    def of(cls, bucket: Bucket, item_type: str) -> EarningsBucket:
        key = to_global_id(item_type, bucket.key) if isinstance(bucket.key, UUID) else bucket.key.isoformat()
        return cls(key=key, amount=MoneyType.usd(bucket.amount_micros), qualified_views=bucket.views)


@strawberry.type(name="EarningsReport")
class EarningsReport:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    total: MoneyType
    qualified_views: int
    by_day: list[EarningsBucket] = strawberry.field(
        description="Per UTC day, oldest first; days without earnings omitted."
    )
    by_item: list[EarningsBucket] = strawberry.field(
        description="Per character (holders) or per video (creators), largest first."
    )

    @classmethod
    def of(cls, earnings: Earnings, start: datetime, end: datetime, item_type: str) -> EarningsReport:
        return cls(
            from_=start,
            to=end,
            total=MoneyType.usd(earnings.total_micros),
            qualified_views=earnings.views,
            by_day=[EarningsBucket.of(b, item_type) for b in earnings.by_day],
            by_item=[EarningsBucket.of(b, item_type) for b in earnings.by_item],
        )
