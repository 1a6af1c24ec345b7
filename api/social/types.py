"""Comments and the payloads of the social mutations."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.accounts.types import User
from api.context import Info
from api.errors import UserError
from api.ids import to_global_id
from api.node import Node, register_node
from api.videos.types import Video, load_video
from db.queries import social


@strawberry.type(name="Comment")
class Comment(Node):
    body: str
    created_at: datetime
    row: strawberry.Private[social.Comment]

    @classmethod
    def from_row(cls, row: social.Comment) -> Comment:
        return cls(id=strawberry.ID(to_global_id("Comment", row.id)), body=row.body, created_at=row.created_at, row=row)

    @strawberry.field
    async def author(self, info: Info) -> User:
        user = await info.context.loaders.user.load(self.row.author_id)
        assert user is not None
        return User.from_row(user)

    @strawberry.field
    async def video(self, info: Info) -> Video:
        video = await load_video(info, self.row.video_id)
        assert video is not None, "comments are only reached through videos the viewer may see"
        return video


async def load_comment(info: Info, comment_id: UUID) -> Comment | None:
    """A comment is visible when its video is, and its author is not hidden from the viewer (suspended,
    or in a block with the viewer: RULES §10), as in the video's comment thread."""
    async with info.context.pool.acquire() as conn:
        found = await social.get_comments(conn, comment_ids=[comment_id])
    if not found or await load_video(info, found[0].video_id) is None:
        return None
    author_id = found[0].author_id
    if author_id != info.context.viewer_id and await info.context.loaders.hidden(author_id):
        return None
    return Comment.from_row(found[0])


register_node("Comment", load_comment)


@strawberry.type
class FollowPayload:
    node: Node | None = strawberry.field(default=None, description="The user, character or holder now (un)followed.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LikePayload:
    video: Video | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CommentPayload:
    comment: Comment | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
