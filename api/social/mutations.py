"""Follows, likes and comments. Toggles are idempotent; counters move only on a real change."""

from __future__ import annotations

import asyncpg
import strawberry

from api.accounts.types import User
from api.characters.types import Character
from api.context import Info
from api.errors import Forbidden, invalid, user_errors
from api.ids import decode_id
from api.social.types import Comment, CommentPayload, FollowPayload, LikePayload
from api.videos.types import Video, may_see
from db.queries import activity, characters, safety, social, users, videos
from domain.activity import ActivityKind
from domain.errors import DomainError, ErrorCode, FieldError

MAX_COMMENT_LENGTH = 2000


def not_found(what: str, field: str) -> DomainError:
    return DomainError(FieldError(ErrorCode.NOT_FOUND, f"No such {what}.", (field,)))


async def _published_video(info: Info, conn: asyncpg.Connection, global_id: str) -> videos.Video:
    """A video the viewer may react to: PUBLISHED by a creator not suspended (anything else looks like it
    does not exist), and not in a block with the viewer (FORBIDDEN)."""
    raw_id = decode_id(global_id, "Video")
    row = await videos.get_video(conn, video_id=raw_id) if raw_id else None
    if row is None or row.status != "PUBLISHED" or row.creator_suspended:
        if row is not None and row.status != "PUBLISHED" and await may_see(info, row):
            raise DomainError(
                FieldError(ErrorCode.CONFLICT, "Only published videos take likes and comments.", ("videoId",))
            )
        raise not_found("video", "videoId")
    viewer_id = info.context.require_viewer()
    if viewer_id != row.creator_id and await safety.is_blocked(conn, user_id=viewer_id, other_id=row.creator_id):
        raise Forbidden("You and this video's creator have blocked each other.")
    return row


@strawberry.type
class SocialMutations:
    @strawberry.mutation
    async def follow_user(self, info: Info, user_id: strawberry.ID) -> FollowPayload:
        return await _follow_user(info, user_id, follow=True)

    @strawberry.mutation
    async def unfollow_user(self, info: Info, user_id: strawberry.ID) -> FollowPayload:
        return await _follow_user(info, user_id, follow=False)

    @strawberry.mutation
    async def follow_character(self, info: Info, character_id: strawberry.ID) -> FollowPayload:
        return await _follow_character(info, character_id, follow=True)

    @strawberry.mutation
    async def unfollow_character(self, info: Info, character_id: strawberry.ID) -> FollowPayload:
        return await _follow_character(info, character_id, follow=False)

    @strawberry.mutation
    async def like_video(self, info: Info, video_id: strawberry.ID) -> LikePayload:
        return await _like(info, video_id, like=True)

    @strawberry.mutation
    async def unlike_video(self, info: Info, video_id: strawberry.ID) -> LikePayload:
        return await _like(info, video_id, like=False)

    @strawberry.mutation
    async def add_comment(self, info: Info, video_id: strawberry.ID, body: str) -> CommentPayload:
        viewer_id = info.context.require_viewer()
        event = None
        try:
            if not 1 <= len(body.strip()) <= MAX_COMMENT_LENGTH:
                raise DomainError(invalid(f"A comment is 1-{MAX_COMMENT_LENGTH} characters.", "body"))
            async with info.context.pool.acquire() as conn, conn.transaction():
                video = await _published_video(info, conn, video_id)
                comment = await social.add_comment(conn, video_id=video.id, author_id=viewer_id, body=body.strip())
                event = await activity.record(
                    conn,
                    kind=ActivityKind.VIDEO_COMMENTED,
                    actor_id=viewer_id,
                    video_id=video.id,
                    users=[video.creator_id],
                )
        except DomainError as error:
            return CommentPayload(user_errors=user_errors(error))
        assert event is not None
        await activity.publish(info.context.services.redis, event)
        return CommentPayload(comment=Comment.from_row(comment))

    @strawberry.mutation
    async def delete_comment(self, info: Info, comment_id: strawberry.ID) -> CommentPayload:
        """By its author, or by the creator of the video it is on."""
        viewer_id = info.context.require_viewer()
        raw_id = decode_id(comment_id, "Comment")
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                found = await social.get_comments(conn, comment_ids=[raw_id]) if raw_id else []
                video = await videos.get_video(conn, video_id=found[0].video_id) if found else None
                if not found or video is None or not await may_see(info, video):
                    raise not_found("comment", "commentId")
                if viewer_id not in (found[0].author_id, video.creator_id):
                    raise Forbidden("Only the comment's author or the video's creator may delete it.")
                deleted = await social.delete_comment(conn, comment_id=found[0].id)
        except DomainError as error:
            return CommentPayload(user_errors=user_errors(error))
        return CommentPayload(comment=Comment.from_row(deleted) if deleted else None)


async def _follow_user(info: Info, user_id: str, *, follow: bool) -> FollowPayload:
    viewer_id = info.context.require_viewer()
    raw_id = decode_id(user_id, "User")
    event = None
    try:
        if raw_id == viewer_id:
            raise DomainError(invalid("You cannot follow yourself.", "userId"))
        async with info.context.pool.acquire() as conn, conn.transaction():
            found = await users.get_users(conn, user_ids=[raw_id]) if raw_id else []
            if not found:
                raise not_found("user", "userId")
            if follow and await safety.is_blocked(conn, user_id=viewer_id, other_id=found[0].id):
                raise Forbidden("You and this user have blocked each other.")
            changed = await social.follow_user(conn, follower_id=viewer_id, followee_id=found[0].id, follow=follow)
            if changed and follow:
                event = await activity.record(
                    conn, kind=ActivityKind.NEW_FOLLOWER, actor_id=viewer_id, users=[found[0].id]
                )
            (row,) = await users.get_users(conn, user_ids=[found[0].id])
    except DomainError as error:
        return FollowPayload(user_errors=user_errors(error))
    if event is not None:
        await activity.publish(info.context.services.redis, event)
    return FollowPayload(node=User.from_row(row))


async def _follow_character(info: Info, character_id: str, *, follow: bool) -> FollowPayload:
    viewer_id = info.context.require_viewer()
    raw_id = decode_id(character_id, "Character")
    try:
        async with info.context.pool.acquire() as conn, conn.transaction():
            if raw_id is None or await characters.get_character(conn, character_id=raw_id) is None:
                raise not_found("character", "characterId")
            await social.follow_character(conn, user_id=viewer_id, character_id=raw_id, follow=follow)
            row = await characters.get_character(conn, character_id=raw_id)
    except DomainError as error:
        return FollowPayload(user_errors=user_errors(error))
    assert row is not None
    return FollowPayload(node=Character.from_row(row))


async def _like(info: Info, video_id: str, *, like: bool) -> LikePayload:
    viewer_id = info.context.require_viewer()
    event = None
    try:
        async with info.context.pool.acquire() as conn, conn.transaction():
            video = await _published_video(info, conn, video_id)
            changed = await social.like(conn, video_id=video.id, user_id=viewer_id, like=like)
            if changed and like:
                event = await activity.record(
                    conn, kind=ActivityKind.VIDEO_LIKED, actor_id=viewer_id, video_id=video.id, users=[video.creator_id]
                )
            fresh = await videos.get_video(conn, video_id=video.id)
    except DomainError as error:
        return LikePayload(user_errors=user_errors(error))
    if event is not None:
        await activity.publish(info.context.services.redis, event)
    assert fresh is not None
    info.context.loaders.viewer_likes.prime(fresh.id, like)
    return LikePayload(video=Video.from_row(fresh))
