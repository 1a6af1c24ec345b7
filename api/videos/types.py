"""The Video type, its licenses and media, and who may see an unpublished video."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import asyncpg
import strawberry

from api.accounts.types import User
from api.characters.types import Character
from api.context import Info
from api.enums import ContentRatingType
from api.loaders import loaded, loaded_each, not_primed
from api.money import MoneyType
from api.node import Node, lazy_id, register_node
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from api.remix.types import AspectType
from api.selection import Selected
from db.queries import characters, feed, social, users, videos
from domain.rating import Rating

if TYPE_CHECKING:
    from api.claims.types import Claim
    from api.social.types import Comment
    from api.views.types import VideoRevenue


class VideoStatus(StrEnum):
    QUEUED = "QUEUED"
    GENERATING = "GENERATING"
    DRAFT = "DRAFT"
    PENDING_REVIEW = "PENDING_REVIEW"
    PUBLISHED = "PUBLISHED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    TAKEN_DOWN = "TAKEN_DOWN"
    DELETED = "DELETED"


class ReviewState(StrEnum):
    NOT_REQUIRED = "NOT_REQUIRED"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


VideoStatusType = strawberry.enum(VideoStatus, name="VideoStatus")
ReviewStateType = strawberry.enum(ReviewState, name="ReviewState")
# Members by value: a dict lookup instead of an enum call (~3x the cost) for each video and license of a page.
STATUSES = {status.value: status for status in VideoStatus}
REVIEW_STATES = {state.value: state for state in ReviewState}


@strawberry.type(
    name="VideoLicense",
    description="The license under which one character appears in one video: fixed at generation time.",
)
class VideoLicense:
    policy_version: int
    revenue_share_bps: int
    attribution: str | None
    review: ReviewStateType  # type: ignore[valid-type]
    review_note: str | None
    character_id: strawberry.Private[UUID]
    generation_fee_micros: strawberry.Private[int]

    @classmethod
    def of(cls, lic: videos.License) -> VideoLicense:
        return cls(
            character_id=lic.character_id,
            policy_version=lic.policy_version,
            revenue_share_bps=lic.revenue_share_bps,
            generation_fee_micros=lic.generation_fee_micros,
            attribution=lic.attribution,
            review=REVIEW_STATES[lic.review],
            review_note=lic.review_note,
        )

    @strawberry.field
    def generation_fee(self) -> MoneyType:
        return MoneyType.usd(self.generation_fee_micros)

    @strawberry.field(graphql_type=Character)
    def character(self, info: Info) -> Character | Awaitable[Character]:
        return loaded(info.context.loaders.character, self.character_id, _character)


def _character(row: characters.Character | None) -> Character:
    assert row is not None, "video_licenses.character_id is a foreign key"
    return Character.from_row(row)


def _address_of(key: Callable[[videos.Media], str]) -> Callable[[VideoMedia], str]:
    def address(self: VideoMedia) -> str:
        return self.address(key(self.media))

    return address


@strawberry.type(name="VideoMedia")
class VideoMedia:
    # The URLs are made when asked for (a list page usually shows one of the three).
    url: str = strawberry.field(resolver=_address_of(lambda media: media.key))
    thumbnail_url: str = strawberry.field(resolver=_address_of(lambda media: media.thumbnail_key))
    content_type: str
    width: int
    height: int
    duration_seconds: float
    size_bytes: int
    sha256: str = strawberry.field(description="Hex SHA-256 of the media file.")
    provenance_url: str = strawberry.field(
        resolver=_address_of(lambda media: media.manifest_key),
        description="URL of the provenance manifest (JSON): generator, model, prompt hash, characters, "
        "policy versions, time.",
    )
    media: strawberry.Private[videos.Media]
    address: strawberry.Private[Callable[[str], str]]  # key -> URL (signed or not)

    @classmethod
    def of(cls, media: videos.Media, address: Callable[[str], str]) -> VideoMedia:
        return cls(
            content_type=media.content_type,
            width=media.width,
            height=media.height,
            duration_seconds=media.duration_seconds,
            size_bytes=media.size_bytes,
            sha256=media.sha256,
            media=media,
            address=address,
        )


@strawberry.type(name="Video")
class Video(Node):
    # Plain data is attributes filled from the row; creator, characters, licenses and viewerHasLiked
    # resolve without a coroutine when the list loaded them up front (see `prefetch`).
    id: strawberry.ID = lazy_id("Video", lambda video: video.row.id)
    prompt: str
    caption: str | None
    status: VideoStatusType  # type: ignore[valid-type]
    aspect: AspectType  # type: ignore[valid-type]
    duration_seconds: int
    rating: ContentRatingType  # type: ignore[valid-type]
    created_at: datetime
    published_at: datetime | None
    status_reason: str | None = strawberry.field(description="Set when status is FAILED, REJECTED or TAKEN_DOWN.")
    like_count: int
    comment_count: int
    remix_count: int
    row: strawberry.Private[videos.Video]

    @classmethod
    def from_row(cls, row: videos.Video) -> Video:
        return cls(
            row=row,
            prompt=row.prompt,
            caption=row.caption,
            status=STATUSES[row.status],
            aspect=row.aspect,
            duration_seconds=row.duration_seconds,
            rating=Rating[row.rating],
            created_at=row.created_at,
            published_at=row.published_at,
            status_reason=row.status_reason,
            like_count=row.like_count,
            comment_count=row.comment_count,
            remix_count=row.remix_count,
        )

    @strawberry.field(graphql_type=User)
    def creator(self, info: Info) -> User | Awaitable[User]:
        return loaded(info.context.loaders.user, self.row.creator_id, _user)

    @strawberry.field(
        graphql_type=list[Character],
        description="Every character in the video: tagged by the creator, detected in the prompt, or inherited "
        "from remixOf.",
    )
    def characters(self, info: Info) -> list[Character] | Awaitable[list[Character]]:
        return loaded_each(info.context.loaders.character, self.row.character_ids, Character.from_row)

    @strawberry.field(graphql_type=list[VideoLicense])
    def licenses(self, info: Info) -> list[VideoLicense] | Awaitable[list[VideoLicense]]:
        return loaded(info.context.loaders.licenses, self.row.id, _licenses)

    @strawberry.field
    async def remix_of(self, info: Info) -> Video | None:
        if self.row.remix_of_id is None:
            return None
        await info.context.loaders.prime_ancestors(self.row.id)
        return await load_video(info, self.row.remix_of_id)

    @strawberry.field(
        description="Null until generated (and once removed). URLs of a video that is not PUBLISHED are signed and "
        "expire after MEDIA_URL_TTL_SECONDS."
    )
    def media(self, info: Info) -> VideoMedia | None:
        media = self.row.media
        if media is None:
            return None
        storage = info.context.services.storage
        # RULES §11: only signed, short-lived URLs; so for a suspended creator's videos (RULES §10).
        if self.row.status != VideoStatus.PUBLISHED or self.row.creator_suspended:
            ttl = info.context.services.settings.media_url_ttl_seconds
            return VideoMedia.of(media, lambda key: storage.signed_url(key, ttl))
        return VideoMedia.of(media, storage.url)

    @strawberry.field(description="Creator only: what the generation cost.")
    def cost(self, info: Info) -> MoneyType | None:
        return MoneyType.usd(self.row.cost_micros) if info.context.viewer_id == self.row.creator_id else None

    @strawberry.field(graphql_type=bool)
    def viewer_has_liked(self, info: Info) -> bool | Awaitable[bool]:
        if info.context.viewer_id is None:
            return False
        return loaded(info.context.loaders.viewer_likes, self.row.id, bool)

    @strawberry.field
    async def comments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Comment, strawberry.lazy("api.social.types")]]:
        from api.social.types import Comment

        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await social.comments_of(
                conn, viewer_id=info.context.viewer_id, video_id=self.row.id, after=keyset, limit=size + 1
            )
        return connection(rows, size, Comment.from_row, lambda r: encode_cursor(r.created_at, r.id), after=after)

    @strawberry.field
    async def remixes(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Video]:
        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await feed.remixes_of(
                conn, viewer_id=info.context.viewer_id, video_id=self.row.id, after=keyset, limit=size + 1
            )
        return video_connection(info, rows, size, after, published_cursor)

    @strawberry.field(description="Qualified views.")
    async def view_count(self, info: Info) -> int:
        from api.views.resolvers import view_count

        return await view_count(info, self.row.id)

    @strawberry.field(
        description="Creator and members of its characters' holders: revenue credited so far and its split."
    )
    async def revenue(self, info: Info) -> Annotated[VideoRevenue, strawberry.lazy("api.views.types")] | None:
        from api.views.resolvers import video_revenue

        return await video_revenue(info, self.row)

    @strawberry.field(description="Claims on this video, open ones first. Creator and members of concerned holders.")
    async def claims(self, info: Info) -> list[Annotated[Claim, strawberry.lazy("api.claims.types")]]:
        from api.claims.queries import claims_of_video

        return await claims_of_video(info, self.row.id)


def _user(row: users.User | None) -> User:
    assert row is not None, "videos.creator_id is a foreign key"
    return User.from_row(row)


def _licenses(rows: list[videos.License]) -> list[VideoLicense]:
    return [VideoLicense.of(lic) for lic in rows]


async def may_see(info: Info, row: videos.Video) -> bool:
    """Published videos are public (but for creators in a block with the viewer); any other state, and a
    suspended creator's videos (RULES §10), only to its creator and its characters' holders' members."""
    viewer_id = info.context.viewer_id
    if row.status == VideoStatus.PUBLISHED and not await _creator_suspended(info, row):
        return row.creator_id not in await info.context.loaders.viewer_blocks()
    if viewer_id is None:
        return False
    if viewer_id == row.creator_id:
        return True
    if row.status == VideoStatus.DELETED:
        return False
    characters = await info.context.loaders.character.load_many(list(row.character_ids))
    holder_ids = {c.holder_id for c in characters if c is not None}
    return bool(holder_ids & await info.context.loaders.viewer_holder_ids())


async def _creator_suspended(info: Info, row: videos.Video) -> bool:
    if row.creator_suspended is not None:
        return row.creator_suspended
    return await info.context.loaders.suspended.load(row.creator_id)


async def load_video(info: Info, video_id: UUID) -> Video | None:
    row = await info.context.loaders.video.load(video_id)
    return Video.from_row(row) if row is not None and await may_see(info, row) else None


register_node("Video", load_video)


def published_cursor(row: videos.Listed) -> str:
    assert row.video.published_at is not None
    return encode_cursor(row.video.published_at, row.video.id)


def created_cursor(row: videos.Listed) -> str:
    return encode_cursor(row.video.created_at, row.video.id)


def video_connection(
    info: Info, rows: Sequence[videos.Listed], size: int, after: str | None, cursor: Callable[[videos.Listed], str]
) -> Connection[Video]:
    """A page of listed videos, with the loaders primed for licenses and likes (no query per item)."""
    prime(info, rows)
    return connection(rows, size, lambda r: Video.from_row(r.video), cursor, after=after)


def shows(asked: Selected) -> tuple[bool, bool]:
    """Whether `asked` (the fields selected of a page's videos) shows their creators, and their characters."""
    return "creator" in asked, "characters" in asked or "character" in asked.get("licenses", {})


async def prefetch(
    info: Info,
    conn: asyncpg.Connection,
    rows: Sequence[videos.Video],
    asked: Selected,
    shown: Sequence[characters.Shown] = (),
) -> None:
    """Load what `asked` (the fields selected of each of these videos) shows of their creators and
    characters (with holders and policies) on `conn`, in one statement, so that it resolves
    without a coroutine per video. What the page's own statements read (`shown`) is primed first
    and not loaded again."""
    loaders = info.context.loaders
    for read in shown:
        loaders.prime_shown(read)
    wants_creators, wants_characters = shows(asked)
    creator_ids = not_primed(loaders.user, (row.creator_id for row in rows)) if wants_creators else []
    character_ids = (
        not_primed(loaders.character, (c for row in rows for c in row.character_ids)) if wants_characters else []
    )
    if creator_ids or character_ids:
        loaders.prime_shown(await characters.shown_by_id(conn, character_ids=character_ids, user_ids=creator_ids))


def prime(info: Info, rows: Iterable[videos.Listed]) -> None:
    loaders = info.context.loaders
    for row in rows:
        loaders.video.prime(row.video.id, row.video)
        loaders.licenses.prime(row.video.id, list(row.licenses))
        loaders.viewer_likes.prime(row.video.id, row.liked)
