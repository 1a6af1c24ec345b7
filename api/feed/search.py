"""searchVideos: published videos whose prompt or caption matches, best first; #hashtags exact."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.context import Info
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from api.selection import selected_below
from api.videos.types import Video, prefetch, prime
from db.queries import search
from domain.search import parse_query

MAX_QUERY_LENGTH = 200


@strawberry.type
class SearchQueries:
    @strawberry.field(
        description="Published videos whose prompt or caption matches, best first; #hashtags match exactly."
    )
    async def search_videos(
        self, info: Info, query: str, first: int | None = None, after: str | None = None
    ) -> Connection[Video]:
        size = page_size(first)
        keyset = decode_cursor(after, float, UUID)
        parsed = parse_query(query[:MAX_QUERY_LENGTH])
        async with info.context.pool.acquire() as conn:
            rows = await search.search_videos(
                conn, viewer_id=info.context.viewer_id, query=parsed, after=keyset, limit=size + 1
            )
            prime(info, (row for row, _ in rows))
            asked = selected_below(info, "edges", "node")
            await prefetch(info, conn, [row.video for row, _ in rows[:size]], asked)
        return connection(
            rows, size, lambda r: Video.from_row(r[0].video), lambda r: encode_cursor(r[1], r[0].video.id), after=after
        )
