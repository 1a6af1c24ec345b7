"""The Activity node: one event as its recipient sees it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.accounts.types import User, load_user
from api.characters.types import Character, load_character
from api.context import Info
from api.ids import to_global_id
from api.node import Node, register_node
from api.videos.types import Video, load_video
from db.queries import activity
from domain.activity import ActivityKind

if TYPE_CHECKING:
    from api.safety.types import Report

ActivityKindType = strawberry.enum(ActivityKind, name="ActivityKind")


@strawberry.type(name="Activity")
class Activity(Node):
    kind: ActivityKindType  # type: ignore[valid-type]
    created_at: datetime
    row: strawberry.Private[activity.Activity]

    @classmethod
    def from_row(cls, row: activity.Activity) -> Activity:
        return cls(
            id=strawberry.ID(to_global_id("Activity", row.id)), kind=row.kind, created_at=row.created_at, row=row
        )

    @strawberry.field
    def read(self) -> bool:
        return self.row.read_at is not None

    @strawberry.field(description="Null when there is none, or when the viewer may no longer see it.")
    async def video(self, info: Info) -> Video | None:
        return await load_video(info, self.row.video_id) if self.row.video_id else None

    @strawberry.field
    async def character(self, info: Info) -> Character | None:
        return await load_character(info, self.row.character_id) if self.row.character_id else None

    @strawberry.field(description="Who caused it, when someone did.")
    async def actor(self, info: Info) -> User | None:
        return await load_user(info, self.row.actor_id) if self.row.actor_id else None

    @strawberry.field(description="REPORT_ACTIONED, REPORT_DISMISSED: the recipient's report.")
    async def report(self, info: Info) -> Annotated[Report, strawberry.lazy("api.safety.types")] | None:
        from api.safety.types import load_report

        return await load_report(info, self.row.report_id) if self.row.report_id else None


async def load_activity(info: Info, activity_id: UUID) -> Activity | None:
    """An activity row is visible to its recipient only."""
    row = await info.context.loaders.activity.load(activity_id)
    if row is None or row.recipient_id != info.context.viewer_id:
        return None
    return Activity.from_row(row)


register_node("Activity", load_activity)
