"""Blocks, reports and moderation (RULES §10)."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import strawberry

from api.accounts.types import User, load_user
from api.context import Info
from api.errors import invalid, user_errors
from api.ids import decode_id, from_global_id
from api.safety.types import (
    ModerateInput,
    ModerationAction,
    ModerationRecord,
    Report,
    ReportInput,
    ReportPayload,
    UnsuspendUserInput,
    UnsuspendUserPayload,
)
from api.social.types import FollowPayload, load_comment
from api.videos.mutations import TAKE_DOWN_FROM
from api.videos.types import VideoStatus, load_video
from db.queries import activity, reports, safety, social, users, videos
from domain.activity import ActivityKind
from domain.errors import DomainError, ErrorCode, FieldError

MAX_NOTE_LENGTH = 2000
# Which subjects each action applies to; SUSPEND_USER suspends the reported user, or the creator
# or author of the reported video or comment.
ACTS_ON = {
    ModerationAction.DISMISS: {"Video", "Comment", "User"},
    ModerationAction.TAKE_DOWN_VIDEO: {"Video"},
    ModerationAction.DELETE_COMMENT: {"Comment"},
    ModerationAction.SUSPEND_USER: {"Video", "Comment", "User"},
}


def _error(code: ErrorCode, message: str, *field: str) -> DomainError:
    return DomainError(FieldError(code, message, field))


@strawberry.type
class SafetyMutations:
    @strawberry.mutation(description="Hides the two users from each other everywhere and removes follows both ways.")
    async def block_user(self, info: Info, user_id: strawberry.ID) -> FollowPayload:
        return await _block(info, user_id, block=True)

    @strawberry.mutation
    async def unblock_user(self, info: Info, user_id: strawberry.ID) -> FollowPayload:
        return await _block(info, user_id, block=False)

    @strawberry.mutation(description="Reports a Video, Comment or User; once per reporter and subject.")
    async def report(self, info: Info, input: ReportInput) -> ReportPayload:
        viewer_id = info.context.require_viewer()
        try:
            note = _note(input.note)
            kind, subject_id, comment = await _reportable(info, input.subject_id)
            if subject_id == viewer_id:
                raise _error(ErrorCode.INVALID, "You cannot report yourself.", "input", "subjectId")
            async with info.context.pool.acquire() as conn:
                row = await reports.insert(
                    conn,
                    reporter_id=viewer_id,
                    subject_kind=kind,
                    subject_id=subject_id,
                    comment=comment,
                    reason=str(input.reason),
                    note=note,
                )
            if row is None:
                raise _error(ErrorCode.CONFLICT, "You already reported this.", "input", "subjectId")
        except DomainError as error:
            return ReportPayload(user_errors=user_errors(error))
        return ReportPayload(report=Report.from_row(row))

    @strawberry.mutation(description="Operators only: act on a report (and every open report of its subject).")
    async def moderate(self, info: Info, input: ModerateInput) -> ReportPayload:
        operator_id = await info.context.require_operator()
        action = ModerationAction(input.action)
        try:
            note = _note(input.note)
            raw_id = decode_id(input.report_id, "Report")
            async with info.context.pool.acquire() as conn, conn.transaction():
                report = await reports.lock(conn, report_id=raw_id) if raw_id else None
                if report is None:
                    raise _error(ErrorCode.NOT_FOUND, "No such report.", "input", "reportId")
                events = await _decide(conn, report, operator_id, action, note)
                (fresh,) = await reports.get_reports(conn, report_ids=[report.id])
        except DomainError as error:
            return ReportPayload(user_errors=user_errors(error))
        await activity.publish_all(info.context.services.redis, events)
        return ReportPayload(report=Report.from_row(fresh))

    @strawberry.mutation(
        description="Operators only: lift a user's suspension (recorded with who and when). Their tokens from "
        "before stay revoked: they log in again."
    )
    async def unsuspend_user(self, info: Info, input: UnsuspendUserInput) -> UnsuspendUserPayload:
        operator_id = await info.context.require_operator()
        raw_id = decode_id(input.user_id, "User")
        try:
            note = _note(input.note)
            async with info.context.pool.acquire() as conn, conn.transaction():
                if raw_id is None or not await users.get_users(conn, user_ids=[raw_id]):
                    raise _error(ErrorCode.NOT_FOUND, "No such user.", "input", "userId")
                if not await safety.unsuspend(conn, user_id=raw_id):
                    raise _error(ErrorCode.CONFLICT, "This user is not suspended.", "input", "userId")
                record = await reports.record_unsuspend(conn, operator_id=operator_id, user_id=raw_id, note=note)
        except DomainError as error:
            return UnsuspendUserPayload(user_errors=user_errors(error))
        return UnsuspendUserPayload(user=await load_user(info, raw_id), record=ModerationRecord.of(record))


async def _decide(
    conn: asyncpg.Connection,
    report: reports.Report,
    operator_id: UUID,
    action: ModerationAction,
    note: str | None,
) -> list[activity.Event]:
    """Carry out and record `action` on an open report (and its subject's other open reports)."""
    if report.status != "OPEN":
        raise _error(ErrorCode.CONFLICT, "This report was already decided.", "input", "reportId")
    if action == ModerationAction.UNSUSPEND_USER:
        raise _error(ErrorCode.INVALID, "A suspension is lifted with unsuspendUser.", "input", "action")
    if report.subject_kind not in ACTS_ON[action]:
        message = f"{action} does not apply to a reported {report.subject_kind}."
        raise _error(ErrorCode.INVALID, message, "input", "action")
    suspended = await _person(conn, report) if action == ModerationAction.SUSPEND_USER else None
    events = await _act(conn, report, action, note, suspended)
    video_id = report.subject_id if report.subject_kind == "Video" else None
    return events + await reports.resolve(
        conn, report=report, operator_id=operator_id, action=action, note=note, video_id=video_id, user_id=suspended
    )


async def _block(info: Info, user_id: str, *, block: bool) -> FollowPayload:
    viewer_id = info.context.require_viewer()
    raw_id = decode_id(user_id, "User")
    try:
        if raw_id == viewer_id:
            raise _error(ErrorCode.INVALID, "You cannot block yourself.", "userId")
        async with info.context.pool.acquire() as conn, conn.transaction():
            found = await users.get_users(conn, user_ids=[raw_id]) if raw_id else []
            if not found:
                raise _error(ErrorCode.NOT_FOUND, "No such user.", "userId")
            other = found[0].id
            if await safety.block(conn, blocker_id=viewer_id, blocked_id=other, block=block) and block:
                await social.follow_user(conn, follower_id=viewer_id, followee_id=other, follow=False)
                await social.follow_user(conn, follower_id=other, followee_id=viewer_id, follow=False)
            (row,) = await users.get_users(conn, user_ids=[other])
    except DomainError as error:
        return FollowPayload(user_errors=user_errors(error))
    info.context.loaders.forget_blocks()
    return FollowPayload(node=User.from_row(row))


def _note(note: str | None) -> str | None:
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise DomainError(invalid(f"A note is at most {MAX_NOTE_LENGTH} characters.", "input", "note"))
    return (note.strip() or None) if note is not None else None


async def _reportable(info: Info, global_id: str) -> tuple[str, UUID, social.Comment | None]:
    """(kind, id, the comment as reported) of a subject the viewer can see; NOT_FOUND otherwise."""
    decoded = from_global_id(global_id)
    kind, raw_id = decoded if decoded else ("", None)
    if raw_id is not None and kind == "Video" and await load_video(info, raw_id) is not None:
        return kind, raw_id, None
    if raw_id is not None and kind == "User" and await load_user(info, raw_id) is not None:
        return kind, raw_id, None
    if raw_id is not None and kind == "Comment":
        comment = await load_comment(info, raw_id)
        if comment is not None:
            return kind, raw_id, comment.row
    raise _error(ErrorCode.NOT_FOUND, "No such video, comment or user.", "input", "subjectId")


async def _act(
    conn: asyncpg.Connection,
    report: reports.Report,
    action: ModerationAction,
    note: str | None,
    suspended: UUID | None,
) -> list[activity.Event]:
    """Carry out the action on the report's subject (`suspended`: the user SUSPEND_USER suspends);
    events to publish after commit."""
    if action == ModerationAction.TAKE_DOWN_VIDEO:
        video = await videos.lock_video(conn, video_id=report.subject_id)
        if video is None or video.status not in TAKE_DOWN_FROM:
            raise _error(ErrorCode.CONFLICT, "This video cannot be taken down.", "input", "action")
        await videos.unpublish(conn, video=video, status=VideoStatus.TAKEN_DOWN, reason=note or "Moderation")
        event = await activity.record(
            conn, kind=ActivityKind.VIDEO_TAKEN_DOWN, video_id=video.id, users=[video.creator_id]
        )
        return [event]
    if (
        action == ModerationAction.DELETE_COMMENT
        and await social.delete_comment(conn, comment_id=report.subject_id) is None
    ):
        raise _error(ErrorCode.CONFLICT, "This comment is already deleted.", "input", "action")
    if suspended is not None:
        await safety.suspend(conn, user_id=suspended)
    return []


async def _person(conn: asyncpg.Connection, report: reports.Report) -> UUID:
    """The user behind a report's subject: the user, the video's creator or the comment's author."""
    if report.subject_kind == "Comment":
        assert report.comment is not None
        return report.comment.author_id
    if report.subject_kind == "Video":
        video = await videos.get_video(conn, video_id=report.subject_id)
        assert video is not None
        return video.creator_id
    return report.subject_id
