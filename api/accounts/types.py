"""GraphQL types of people: User and the signed-in Viewer."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.context import Info
from api.ids import to_global_id
from api.node import Node, register_node
from db.queries import users


@strawberry.type(name="User")
class User(Node):
    handle: str
    display_name: str
    created_at: datetime
    follower_count: int
    following_count: int
    raw_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: users.User) -> User:
        return cls(
            id=strawberry.ID(to_global_id("User", row.id)),
            raw_id=row.id,
            handle=row.handle,
            display_name=row.display_name,
            created_at=row.created_at,
            follower_count=row.follower_count,
            following_count=row.following_count,
        )

    @strawberry.field(description="Whether the signed-in viewer follows this user (false when signed out).")
    async def viewer_follows(self, info: Info) -> bool:
        if info.context.viewer_id is None:
            return False
        return await info.context.loaders.viewer_follows_user.load(self.raw_id)


async def load_user(info: Info, user_id: UUID) -> User | None:
    row = await info.context.loaders.user.load(user_id)
    return User.from_row(row) if row else None


register_node("User", load_user)


@strawberry.type(name="Viewer")
class Viewer:
    user_id: strawberry.Private[UUID]

    @strawberry.field
    async def user(self, info: Info) -> User:
        user = await load_user(info, self.user_id)
        assert user is not None, "a valid token always belongs to an existing user"
        return user
