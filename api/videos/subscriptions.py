"""videoStatus: a video each time its status changes, fed by Redis pub/sub from any worker."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from api.context import Info
from api.errors import Forbidden
from api.ids import decode_id
from api.videos.types import Video
from db.queries import videos
from workers import keys


@strawberry.type
class VideoSubscriptions:
    @strawberry.subscription(description="The video each time its status changes (creator only).")
    async def video_status(self, info: Info, video_id: strawberry.ID) -> AsyncGenerator[Video, None]:
        viewer_id = info.context.require_viewer()
        raw_id = decode_id(video_id, "Video")
        async with info.context.pool.acquire() as conn:
            row = await videos.get_video(conn, video_id=raw_id) if raw_id else None
        if row is None or row.creator_id != viewer_id:
            raise Forbidden("Only the video's creator follows its status.")
        pubsub = info.context.services.redis.pubsub()
        await pubsub.subscribe(keys.video_status_channel(row.id))
        try:
            yield Video.from_row(row)  # the state now, so no change between query and subscribe is missed
            async for message in pubsub.listen():
                if message["type"] != "message":
                    continue
                await info.context.require_live_viewer()  # revoked or suspended since: UNAUTHENTICATED, the end
                async with info.context.pool.acquire() as conn:
                    fresh = await videos.get_video(conn, video_id=row.id)
                if fresh is not None:
                    yield Video.from_row(fresh)
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
