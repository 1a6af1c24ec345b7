"""The home feed and trending: keyset pages whose cursors stay valid while new videos arrive."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import strawberry

from api.context import Info
from api.errors import BadUserInput
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from api.selection import Selected, selected_below
from api.videos.types import Video, prefetch, prime, shows
from db.queries import feed


def _feed_position(after: str | None) -> tuple[tuple[datetime, UUID] | None, tuple[int, int] | None]:
    """(followed-part keyset, trending-part keyset) of a feed cursor."""
    values = decode_cursor(after, str, _same, _same)
    if values is None:
        return None, None
    try:
        if values[0] == "f":
            return (datetime.fromisoformat(values[1]), UUID(values[2])), None
        if values[0] == "t":
            return None, (int(values[1]), int(values[2]))
    except (TypeError, ValueError):
        pass
    raise BadUserInput("Invalid cursor.")


def _same(value: Any) -> Any:
    return value


async def _page(
    info: Info, conn: asyncpg.Connection, page: feed.Page, size: int, after: str | None, asked: Selected
) -> Connection[Video]:
    """The page, with what `asked` shows of its creators and characters loaded (its statements read
    them along: db/queries/feed.py WITH_SHOWN)."""
    rows = page.rows
    prime(info, (row for row, _ in rows))
    await prefetch(info, conn, [row.video for row, _ in rows[:size]], asked, page.shown)
    return connection(rows, size, lambda r: Video.from_row(r[0].video), lambda r: encode_cursor(*r[1]), after=after)


@strawberry.type
class FeedQueries:
    @strawberry.field(
        description="Home feed: published videos from followed creators and followed characters, newest first, "
        "then trending ones. Signed out: trending."
    )
    async def feed(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Video]:
        size = page_size(first)
        followed_after, trending_after = _feed_position(after)
        asked = selected_below(info, "edges", "node")
        creators, characters = shows(asked)
        async with info.context.pool.acquire() as conn:
            rows = await feed.feed(
                conn,
                viewer_id=info.context.viewer_id,
                followed_after=followed_after,
                trending_after=trending_after,
                limit=size + 1,
                creators=creators,
                characters=characters,
            )
            return await _page(info, conn, rows, size, after, asked)

    @strawberry.field(description="Published videos ranked by recent engagement.")
    async def trending(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Video]:
        size = page_size(first)
        keyset = decode_cursor(after, int, int)
        asked = selected_below(info, "edges", "node")
        creators, characters = shows(asked)
        async with info.context.pool.acquire() as conn:
            rows = await feed.trending(
                conn,
                viewer_id=info.context.viewer_id,
                after=keyset,
                limit=size + 1,
                creators=creators,
                characters=characters,
            )
            return await _page(info, conn, rows, size, after, asked)
