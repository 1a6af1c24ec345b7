"""Viewer.activity: the viewer's inbox, newest first, keyset-paginated."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from api.activity.types import Activity
from api.context import Info
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from db.queries import activity


def cursor(row: activity.Activity) -> str:
    return encode_cursor(row.created_at, row.id)


async def inbox(
    info: Info, *, user_id: UUID, first: int | None, after: str | None, unread_only: bool
) -> Connection[Activity]:
    size = page_size(first)
    keyset = decode_cursor(after, datetime.fromisoformat, UUID)
    last = (keyset[0], keyset[1]) if keyset else None
    async with info.context.pool.acquire() as conn:
        rows = await activity.inbox(
            conn,
            recipient_id=user_id,
            after=last,
            limit=size + 1,
            unread_only=unread_only,
        )
    return connection(rows, size, Activity.from_row, cursor, after=after)
