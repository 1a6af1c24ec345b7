"""Reports, moderation records and the payloads of the safety mutations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import strawberry

from api.accounts.types import User
from api.context import Info
from api.errors import UserError
from api.ids import to_global_id
from api.node import Node, register_node
from api.social.types import Comment
from api.videos.types import Video
from db.queries import reports
from db.queries.operators import is_operator


class ReportReason(StrEnum):
    IMPERSONATION = "IMPERSONATION"
    RIGHTS = "RIGHTS"
    HARASSMENT = "HARASSMENT"
    SEXUAL = "SEXUAL"
    VIOLENCE = "VIOLENCE"
    SPAM = "SPAM"
    MINOR_SAFETY = "MINOR_SAFETY"
    OTHER = "OTHER"


class ReportStatus(StrEnum):
    OPEN = "OPEN"
    ACTIONED = "ACTIONED"
    DISMISSED = "DISMISSED"


class ModerationAction(StrEnum):
    DISMISS = "DISMISS"
    TAKE_DOWN_VIDEO = "TAKE_DOWN_VIDEO"
    DELETE_COMMENT = "DELETE_COMMENT"
    SUSPEND_USER = "SUSPEND_USER"
    # Not a decision on a report: `unsuspendUser` lifts a suspension, and its record shows this.
    UNSUSPEND_USER = "UNSUSPEND_USER"


ReportReasonType = strawberry.enum(ReportReason, name="ReportReason")
ReportStatusType = strawberry.enum(ReportStatus, name="ReportStatus")
ModerationActionType = strawberry.enum(ModerationAction, name="ModerationAction")


@strawberry.type(
    name="ModerationRecord",
    description="One moderation decision (on a report, or lifting a suspension): what, by whom, when.",
)
class ModerationRecord:
    action: ModerationActionType  # type: ignore[valid-type]
    note: str | None
    created_at: datetime
    operator_id: strawberry.Private[UUID | None]

    @classmethod
    def of(cls, row: reports.Action) -> ModerationRecord:
        return cls(
            action=ModerationAction(row.action), note=row.note, created_at=row.created_at, operator_id=row.operator_id
        )

    @strawberry.field(description="The operator who acted (null once their account is gone).")
    async def operator(self, info: Info) -> User | None:
        row = await info.context.loaders.user.load(self.operator_id) if self.operator_id else None
        return User.from_row(row) if row else None


@strawberry.type(name="Report")
class Report(Node):
    reason: ReportReasonType  # type: ignore[valid-type]
    note: str | None
    status: ReportStatusType  # type: ignore[valid-type]
    created_at: datetime
    row: strawberry.Private[reports.Report]

    @classmethod
    def from_row(cls, row: reports.Report) -> Report:
        return cls(
            id=strawberry.ID(to_global_id("Report", row.id)),
            reason=ReportReason(row.reason),
            note=row.note,
            status=ReportStatus(row.status),
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field(description="A Video, Comment or User, as reported (a deleted comment as it was).")
    async def subject(self, info: Info) -> Node:
        if self.row.subject_kind == "Comment":
            assert self.row.comment is not None, "a comment's report keeps the comment"
            return Comment.from_row(self.row.comment)
        if self.row.subject_kind == "Video":
            video = await info.context.loaders.video.load(self.row.subject_id)
            assert video is not None, "videos are never deleted, only marked DELETED"
            return Video.from_row(video)
        user = await info.context.loaders.user.load(self.row.subject_id)
        assert user is not None, "a report on a user is deleted with the user"
        return User.from_row(user)

    @strawberry.field(description="Operators only (empty for the reporter): the decisions taken, oldest first.")
    async def actions(self, info: Info) -> list[ModerationRecord]:
        async with info.context.pool.acquire() as conn:
            if not await is_operator(conn, user_id=info.context.require_viewer()):
                return []
            rows = await reports.actions_of(conn, report_id=self.row.id)
        return [ModerationRecord.of(row) for row in rows]


async def moderation_records_of(info: Info, user_id: UUID) -> list[ModerationRecord]:
    """Operators only (empty for anyone else): the user's suspensions and their lifting, oldest first."""
    viewer_id = info.context.viewer_id
    if viewer_id is None:
        return []
    async with info.context.pool.acquire() as conn:
        if not await is_operator(conn, user_id=viewer_id):
            return []
        rows = await reports.actions_on_user(conn, user_id=user_id)
    return [ModerationRecord.of(row) for row in rows]


async def load_report(info: Info, report_id: UUID) -> Report | None:
    """A report is visible to its reporter and to operators."""
    viewer_id = info.context.viewer_id
    if viewer_id is None:
        return None
    async with info.context.pool.acquire() as conn:
        found = await reports.get_reports(conn, report_ids=[report_id])
        if not found or (found[0].reporter_id != viewer_id and not await is_operator(conn, user_id=viewer_id)):
            return None
    return Report.from_row(found[0])


register_node("Report", load_report)


@strawberry.input
class ReportInput:
    subject_id: strawberry.ID
    reason: ReportReasonType  # type: ignore[valid-type]
    note: str | None = None


@strawberry.input
class ModerateInput:
    report_id: strawberry.ID
    action: ModerationActionType  # type: ignore[valid-type]
    note: str | None = None


@strawberry.input
class UnsuspendUserInput:
    user_id: strawberry.ID
    note: str | None = None


@strawberry.type
class UnsuspendUserPayload:
    user: User | None = None
    record: ModerationRecord | None = strawberry.field(default=None, description="The decision, as recorded.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReportPayload:
    report: Report | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
