"""moderationQueue and the viewer's blocked users."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.accounts.types import User
from api.context import Info
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from api.safety.types import Report
from db.queries import reports, safety, users


@strawberry.type
class SafetyQueries:
    @strawberry.field(description="Operators only (users with the operator role): open reports, oldest first.")
    async def moderation_queue(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Report]:
        await info.context.require_operator()
        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await reports.open_reports(conn, after=keyset, limit=size + 1)
        return connection(rows, size, Report.from_row, lambda r: encode_cursor(r.created_at, r.id), after=after)


async def blocked_users(info: Info, user_id: UUID, first: int | None, after: str | None) -> Connection[User]:
    """The users `user_id` blocked, most recent first."""
    size = page_size(first)
    keyset = decode_cursor(after, datetime.fromisoformat, UUID)
    async with info.context.pool.acquire() as conn:
        rows = await safety.blocked_by(conn, user_id=user_id, after=keyset, limit=size + 1)
        found = {user.id: user for user in await users.get_users(conn, user_ids=[r.user_id for r in rows])}
    return connection(
        rows,
        size,
        lambda r: User.from_row(found[r.user_id]),
        lambda r: encode_cursor(r.created_at, r.user_id),
        after=after,
    )
