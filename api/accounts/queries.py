"""Reads of people: `viewer` and `user(handle)`."""

from __future__ import annotations

import strawberry

from api.accounts.types import User, Viewer
from api.context import Info
from db.queries import users


@strawberry.type
class AccountQueries:
    @strawberry.field(description="Null when signed out.")
    def viewer(self, info: Info) -> Viewer | None:
        viewer_id = info.context.viewer_id
        return Viewer(user_id=viewer_id) if viewer_id else None

    @strawberry.field
    async def user(self, info: Info, handle: str) -> User | None:
        async with info.context.pool.acquire() as conn:
            row = await users.get_user_by_handle(conn, handle=handle)
        if row is None or (row.id != info.context.viewer_id and await info.context.loaders.hidden(row.id)):
            return None
        info.context.loaders.user.prime(row.id, row)
        return User.from_row(row)
