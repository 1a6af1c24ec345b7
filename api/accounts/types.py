"""GraphQL types of people: User and the signed-in Viewer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.context import Info
from api.node import Node, lazy_id, register_node
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from db.queries import feed, holders, users, videos

if TYPE_CHECKING:
    from api.activity.types import Activity
    from api.characters.types import Character
    from api.claims.types import Claim, ClaimStatusType
    from api.feed.preferences import FeedPreferences
    from api.holders.types import Holder
    from api.payouts.types import PayoutAccount
    from api.safety.types import ModerationRecord
    from api.videos.types import Video
    from api.views.types import EarningsReport
    from api.wallet.types import Wallet


@strawberry.type(name="User")
class User(Node):
    id: strawberry.ID = lazy_id("User", lambda user: user.raw_id)
    handle: str
    display_name: str
    created_at: datetime
    follower_count: int
    following_count: int
    raw_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: users.User) -> User:
        return cls(
            raw_id=row.id,
            handle=row.handle,
            display_name=row.display_name,
            created_at=row.created_at,
            follower_count=row.follower_count,
            following_count=row.following_count,
        )

    @strawberry.field(description="The user's own likeness, if they registered one with createCameo.")
    async def cameo(self, info: Info) -> Annotated[Character, strawberry.lazy("api.characters.types")] | None:
        from api.characters.types import load_character

        cameo_id = await info.context.loaders.cameo_of_user.load(self.raw_id)
        return await load_character(info, cameo_id) if cameo_id else None

    @strawberry.field(
        description="Published videos by this user, newest first. The user themself also sees drafts and failed ones."
    )
    async def videos(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Video, strawberry.lazy("api.videos.types")]]:
        from api.videos.types import created_cursor, published_cursor, video_connection

        themself = info.context.viewer_id == self.raw_id
        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await feed.videos_of_user(
                conn,
                viewer_id=info.context.viewer_id,
                user_id=self.raw_id,
                everything=themself,
                after=keyset,
                limit=size + 1,
            )
        return video_connection(info, rows, size, after, created_cursor if themself else published_cursor)

    @strawberry.field(
        description="Operators only (empty for anyone else): the user's suspensions and their lifting, oldest first."
    )
    async def moderation_records(
        self, info: Info
    ) -> list[Annotated[ModerationRecord, strawberry.lazy("api.safety.types")]]:
        from api.safety.types import moderation_records_of

        return await moderation_records_of(info, self.raw_id)

    @strawberry.field(description="Whether the signed-in viewer follows this user (false when signed out).")
    async def viewer_follows(self, info: Info) -> bool:
        if info.context.viewer_id is None:
            return False
        return await info.context.loaders.viewer_follows_user.load(self.raw_id)


async def load_user(info: Info, user_id: UUID) -> User | None:
    """Null for users hidden from the viewer (suspended, or in a block with the viewer either way)."""
    if user_id != info.context.viewer_id and await info.context.loaders.hidden(user_id):
        return None
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

    @strawberry.field(
        description="The viewer's unpublished videos (queued, generating, drafts, pending, rejected, failed), "
        "newest first."
    )
    async def drafts(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Video, strawberry.lazy("api.videos.types")]]:
        from api.videos.types import Video

        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await videos.drafts_of(conn, creator_id=self.user_id, after=keyset, limit=size + 1)
        return connection(rows, size, Video.from_row, lambda r: encode_cursor(r.created_at, r.id), after=after)

    @strawberry.field
    def wallet(self) -> Annotated[Wallet, strawberry.lazy("api.wallet.types")]:
        from api.wallet.types import Wallet

        return Wallet(user_id=self.user_id)

    @strawberry.field(description="Holders the viewer is a member of (their personal cameo holder included).")
    async def holders(self, info: Info) -> list[Annotated[Holder, strawberry.lazy("api.holders.types")]]:
        from api.holders.types import Holder

        async with info.context.pool.acquire() as conn:
            rows = await holders.holders_of_user(conn, user_id=self.user_id)
        return [Holder.from_row(row) for row in rows]

    @strawberry.field(description="The viewer's activity inbox, newest first.")
    async def activity(
        self, info: Info, first: int | None = None, after: str | None = None, unread_only: bool | None = False
    ) -> Connection[Annotated[Activity, strawberry.lazy("api.activity.types")]]:
        from api.activity.queries import inbox

        return await inbox(info, user_id=self.user_id, first=first, after=after, unread_only=bool(unread_only))

    @strawberry.field(
        description="Revenue credited to the viewer as a creator (own videos and remix ancestry) in [from, to)."
    )
    async def earnings(
        self, info: Info, from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime
    ) -> Annotated[EarningsReport, strawberry.lazy("api.views.types")]:
        from api.views.resolvers import creator_earnings

        return await creator_earnings(info, self.user_id, from_, to)

    @strawberry.field(description="How the viewer steers feed, trending and search.")
    async def feed_preferences(self, info: Info) -> Annotated[FeedPreferences, strawberry.lazy("api.feed.preferences")]:
        from api.feed.preferences import feed_preferences

        async with info.context.pool.acquire() as conn:
            return await feed_preferences(conn, self.user_id)

    @strawberry.field(description="The users the viewer blocked, most recent first.")
    async def blocked(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[User]:
        from api.safety.queries import blocked_users

        return await blocked_users(info, self.user_id, first, after)

    @strawberry.field(description="Claims and appeals concerning the viewer's videos, newest first.")
    async def claims(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: Annotated[ClaimStatusType, strawberry.lazy("api.claims.types")] | None = None,  # type: ignore[valid-type]
    ) -> Connection[Annotated[Claim, strawberry.lazy("api.claims.types")]]:
        from api.claims.queries import claims_page

        return await claims_page(info, creator_id=self.user_id, first=first, after=after, status=status)

    @strawberry.field
    async def payout_account(self, info: Info) -> Annotated[PayoutAccount, strawberry.lazy("api.payouts.types")]:
        from api.payouts.types import payout_account
        from db.payouts import Owner

        return await payout_account(info, Owner(user_id=self.user_id))

    @strawberry.field(description="Statement of money in and out for a calendar month (UTC): CSV, downloadable.")
    async def statement_url(self, info: Info, month: str) -> str | None:
        from api.statements import statement_url
        from db.payouts import Owner

        return await statement_url(info, Owner(user_id=self.user_id), month)
