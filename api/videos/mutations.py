"""deleteVideo: the creator removes a video in any state but GENERATING."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.errors import Forbidden, user_errors
from api.ids import decode_id
from api.remix.mutations import VideoPayload
from api.videos.types import Video
from db.generation import refund
from db.queries import videos
from domain.errors import DomainError, ErrorCode, FieldError

NOT_FOUND = FieldError(ErrorCode.NOT_FOUND, "No such video.", ("videoId",))


@strawberry.type
class VideoMutations:
    @strawberry.mutation
    async def delete_video(self, info: Info, video_id: strawberry.ID) -> VideoPayload:
        viewer_id = info.context.require_viewer()
        raw_id = decode_id(video_id, "Video")
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                video = await videos.lock_video(conn, video_id=raw_id) if raw_id else None
                if video is None or video.status == "DELETED":
                    raise DomainError(NOT_FOUND)
                if video.creator_id != viewer_id:
                    raise Forbidden("Only the video's creator may delete it.")
                if video.status == "GENERATING":
                    message = "The video is being generated; delete it once it is done."
                    raise DomainError(FieldError(ErrorCode.CONFLICT, message, ("videoId",)))
                await videos.set_status(conn, video_id=video.id, status="DELETED")
                if video.status == "QUEUED":  # never generated: the escrow goes back to the creator
                    await refund(conn, video)
                deleted = await videos.get_video(conn, video_id=video.id)
        except DomainError as error:
            return VideoPayload(user_errors=user_errors(error))
        assert deleted is not None
        return VideoPayload(video=Video.from_row(deleted))
