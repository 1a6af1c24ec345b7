"""The video lifecycle after generation: publish, review, take down, delete (RULES §4)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from uuid import UUID

import asyncpg
import strawberry

from api.context import Info
from api.errors import Forbidden, invalid, user_errors
from api.ids import decode_id
from api.remix.mutations import VideoPayload
from api.videos.types import ReviewState, Video, VideoStatus
from db.fee_escrow import pay_held_fee, refund_held_fees
from db.generation import refund
from db.queries import activity, characters, holders, videos
from db.remix import reevaluate
from domain.activity import ActivityKind
from domain.errors import DomainError, ErrorCode, FieldError
from domain.policy import Decision
from workers import keys

MAX_CAPTION_LENGTH = 2200
MAX_NOTE_LENGTH = 2000
NOT_FOUND = FieldError(ErrorCode.NOT_FOUND, "No such video.", ("videoId",))
TAKE_DOWN_FROM = {VideoStatus.DRAFT, VideoStatus.PENDING_REVIEW, VideoStatus.PUBLISHED, VideoStatus.REJECTED}


class ReviewDecision(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


ReviewDecisionType = strawberry.enum(ReviewDecision, name="ReviewDecision")


@strawberry.input
class ReviewVideoInput:
    video_id: strawberry.ID
    character_id: strawberry.ID
    decision: ReviewDecisionType  # type: ignore[valid-type]
    note: str | None = None


@strawberry.input
class TakeDownVideoInput:
    video_id: strawberry.ID
    character_id: strawberry.ID
    reason: str


async def _locked(conn: asyncpg.Connection, global_id: str, field: tuple[str, ...] = ("videoId",)) -> videos.Video:
    raw_id = decode_id(global_id, "Video")
    video = await videos.lock_video(conn, video_id=raw_id) if raw_id else None
    if video is None or video.status == VideoStatus.DELETED:
        raise DomainError(FieldError(ErrorCode.NOT_FOUND, "No such video.", field))
    return video


async def _member_character(
    conn: asyncpg.Connection, viewer_id: UUID, video: videos.Video, global_id: str
) -> characters.Character:
    """One of the video's characters, of a holder the viewer is a member of; FORBIDDEN otherwise."""
    raw_id = decode_id(global_id, "Character")
    if raw_id is None or raw_id not in video.character_ids:
        raise DomainError(
            FieldError(ErrorCode.NOT_FOUND, "The video does not feature that character.", ("input", "characterId"))
        )
    character = await characters.get_character(conn, character_id=raw_id)
    assert character is not None
    if not await holders.is_member(conn, holder_id=character.holder_id, user_id=viewer_id):
        raise Forbidden("Only members of the character's holder may do this.")
    return character


def _conflict(message: str) -> DomainError:
    return DomainError(FieldError(ErrorCode.CONFLICT, message, ("videoId",)))


@strawberry.type
class VideoMutations:
    @strawberry.mutation(description="Publishes a DRAFT: PUBLISHED, or PENDING_REVIEW where a holder requires review.")
    async def publish_video(self, info: Info, video_id: strawberry.ID, caption: str | None = None) -> VideoPayload:
        viewer_id = info.context.require_viewer()
        try:
            if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
                raise DomainError(invalid(f"A caption is at most {MAX_CAPTION_LENGTH} characters.", "caption"))
            async with info.context.pool.acquire() as conn, conn.transaction():
                video = await _locked(conn, video_id)
                if video.creator_id != viewer_id:
                    raise Forbidden("Only the video's creator may publish it.")
                if video.status != VideoStatus.DRAFT:
                    raise _conflict(f"Only a DRAFT can be published; this video is {video.status}.")
                events = await _publish_under_current_policies(conn, video, caption)
                fresh = await videos.get_video(conn, video_id=video.id)
        except DomainError as error:
            return VideoPayload(user_errors=user_errors(error))
        for event in events:
            await activity.publish(info.context.services.redis, event)
        assert fresh is not None
        return VideoPayload(video=Video.from_row(fresh))

    @strawberry.mutation
    async def review_video(self, info: Info, input: ReviewVideoInput) -> VideoPayload:
        viewer_id = info.context.require_viewer()
        try:
            if input.note is not None and len(input.note) > MAX_NOTE_LENGTH:
                raise DomainError(invalid(f"A note is at most {MAX_NOTE_LENGTH} characters.", "input", "note"))
            async with info.context.pool.acquire() as conn, conn.transaction():
                video = await _locked(conn, input.video_id, ("input", "videoId"))
                character = await _member_character(conn, viewer_id, video, input.character_id)
                approve = input.decision is ReviewDecision.APPROVE
                if video.status != VideoStatus.PENDING_REVIEW or not await videos.review_license(
                    conn,
                    video_id=video.id,
                    character_id=character.id,
                    review="APPROVED" if approve else "REJECTED",
                    note=input.note,
                    reviewer=viewer_id,
                ):
                    raise _conflict("This video is not waiting for that character's review.")
                if approve:
                    await pay_held_fee(conn, video_id=video.id, character_id=character.id)
                events = await _after_review(conn, video, approve, input.note)
                fresh = await videos.get_video(conn, video_id=video.id)
        except DomainError as error:
            return VideoPayload(user_errors=user_errors(error))
        for event in events:
            await activity.publish(info.context.services.redis, event)
        assert fresh is not None
        return VideoPayload(video=Video.from_row(fresh))

    @strawberry.mutation(description="A member of a holder removes a video featuring one of its characters.")
    async def take_down_video(self, info: Info, input: TakeDownVideoInput) -> VideoPayload:
        viewer_id = info.context.require_viewer()
        try:
            reason = input.reason.strip()
            if not 1 <= len(reason) <= MAX_NOTE_LENGTH:
                raise DomainError(invalid(f"A reason is 1-{MAX_NOTE_LENGTH} characters.", "input", "reason"))
            async with info.context.pool.acquire() as conn, conn.transaction():
                video = await _locked(conn, input.video_id, ("input", "videoId"))
                await _member_character(conn, viewer_id, video, input.character_id)
                if video.status not in TAKE_DOWN_FROM:
                    raise _conflict(f"A {video.status} video cannot be taken down.")
                await videos.unpublish(conn, video=video, status=VideoStatus.TAKEN_DOWN, reason=reason)
                await refund_held_fees(conn, video_id=video.id, creator_id=video.creator_id)
                event = await activity.record(
                    conn,
                    kind=ActivityKind.VIDEO_TAKEN_DOWN,
                    actor_id=viewer_id,
                    video_id=video.id,
                    users=[video.creator_id],
                    members_of_holders_of=list(video.character_ids),
                )
                fresh = await videos.get_video(conn, video_id=video.id)
        except DomainError as error:
            return VideoPayload(user_errors=user_errors(error))
        await activity.publish(info.context.services.redis, event)
        assert fresh is not None
        return VideoPayload(video=Video.from_row(fresh))

    @strawberry.mutation
    async def delete_video(self, info: Info, video_id: strawberry.ID) -> VideoPayload:
        viewer_id = info.context.require_viewer()
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                video = await _locked(conn, video_id)
                if video.creator_id != viewer_id:
                    raise Forbidden("Only the video's creator may delete it.")
                if video.status == VideoStatus.GENERATING:
                    raise _conflict("The video is being generated; delete it once it is done.")
                await videos.unpublish(conn, video=video, status=VideoStatus.DELETED, reason=None)
                if video.status == VideoStatus.QUEUED:  # never generated: the escrow goes back to the creator
                    await refund(conn, video)
                else:  # fees still waiting for a review go back too
                    await refund_held_fees(conn, video_id=video.id, creator_id=video.creator_id)
                deleted = await videos.get_video(conn, video_id=video.id)
        except DomainError as error:
            return VideoPayload(user_errors=user_errors(error))
        assert deleted is not None
        if video.published_at is None and video.media is not None:  # never public: its files go now
            await info.context.services.redis.enqueue_job("remove_video_media", str(video.id), _queue_name=keys.QUEUE)
        return VideoPayload(video=Video.from_row(deleted))


async def _publish_under_current_policies(
    conn: asyncpg.Connection, video: videos.Video, caption: str | None
) -> list[activity.Event]:
    """RULES §11: publication re-evaluates the characters' current policies. DENY: REJECTED with the
    reasons and the held fees refunded; a character that now requires review reviews it too."""
    decision = await reevaluate(conn, video)
    if decision.decision is Decision.DENY:
        reasons = "; ".join(reason.message for reason in decision.denial_reasons)
        await videos.unpublish(conn, video=video, status=VideoStatus.REJECTED, reason=f"Refused: {reasons}")
        await refund_held_fees(conn, video_id=video.id, creator_id=video.creator_id)
        event = await activity.record(
            conn, kind=ActivityKind.VIDEO_REJECTED, video_id=video.id, users=[video.creator_id]
        )
        return [event]
    await videos.require_review(conn, video_id=video.id, character_ids=decision.reviewing_character_ids)
    licenses = await videos.licenses_of(conn, video_ids=[video.id])
    pending = [lic.character_id for lic in licenses if lic.review == ReviewState.PENDING]
    status = VideoStatus.PENDING_REVIEW if pending else VideoStatus.PUBLISHED
    await videos.publish(conn, video=video, status=status, caption=caption)
    return await _announce_publication(conn, video, status, pending)


async def _announce_publication(
    conn: asyncpg.Connection, video: videos.Video, status: str, pending: Sequence[UUID]
) -> list[activity.Event]:
    if status == VideoStatus.PENDING_REVIEW:
        return [
            await activity.record(
                conn,
                kind=ActivityKind.REVIEW_REQUESTED,
                actor_id=video.creator_id,
                video_id=video.id,
                members_of_holders_of=pending,
            )
        ]
    return await _published_events(conn, video)


async def _published_events(conn: asyncpg.Connection, video: videos.Video) -> list[activity.Event]:
    events = [
        await activity.record(
            conn,
            kind=ActivityKind.VIDEO_PUBLISHED,
            video_id=video.id,
            users=[video.creator_id],
            members_of_holders_of=list(video.character_ids),
            followers_of=list(video.character_ids),
        )
    ]
    if video.remix_of_id is not None:
        parent = await videos.get_video(conn, video_id=video.remix_of_id)
        if parent is not None and parent.creator_id != video.creator_id:
            events.append(
                await activity.record(
                    conn,
                    kind=ActivityKind.VIDEO_REMIXED,
                    actor_id=video.creator_id,
                    video_id=video.id,
                    users=[parent.creator_id],
                )
            )
    return events


async def _after_review(
    conn: asyncpg.Connection, video: videos.Video, approved: bool, note: str | None
) -> list[activity.Event]:
    """Any rejection rejects the video; the last approval publishes it."""
    if not approved:
        await videos.unpublish(
            conn, video=video, status=VideoStatus.REJECTED, reason=note or "Rejected by a rights holder."
        )
        await refund_held_fees(conn, video_id=video.id, creator_id=video.creator_id)
        event = await activity.record(
            conn,
            kind=ActivityKind.VIDEO_REJECTED,
            video_id=video.id,
            users=[video.creator_id],
            members_of_holders_of=list(video.character_ids),
        )
        return [event]
    licenses = await videos.licenses_of(conn, video_ids=[video.id])
    if any(lic.review == ReviewState.PENDING for lic in licenses):
        return []
    await videos.publish(conn, video=video, status=VideoStatus.PUBLISHED)
    return await _published_events(conn, video)
