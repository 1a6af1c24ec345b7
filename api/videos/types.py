"""The Video type, its licenses and media, and who may see an unpublished video."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import strawberry

from api.accounts.types import User
from api.characters.types import Character
from api.context import Info
from api.enums import ContentRatingType
from api.ids import to_global_id
from api.money import MoneyType
from api.node import Node, register_node
from api.remix.types import AspectType
from db.queries import videos
from domain.rating import Rating


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


@strawberry.type(name="VideoLicense", description="The license under which one character appears in one video: fixed at generation time.")
class VideoLicense:
    policy_version: int
    revenue_share_bps: int
    generation_fee: MoneyType
    attribution: str | None
    review: ReviewStateType  # type: ignore[valid-type]
    review_note: str | None
    character_id: strawberry.Private[UUID]

    @strawberry.field
    async def character(self, info: Info) -> Character:
        row = await info.context.loaders.character.load(self.character_id)
        assert row is not None
        return Character.from_row(row)


@strawberry.type(name="VideoMedia")
class VideoMedia:
    url: str
    thumbnail_url: str
    content_type: str
    width: int
    height: int
    duration_seconds: float
    size_bytes: int
    sha256: str = strawberry.field(description="Hex SHA-256 of the media file.")
    provenance_url: str = strawberry.field(
        description="URL of the provenance manifest (JSON): generator, model, prompt hash, characters, "
        "policy versions, time."
    )


@strawberry.type(name="Video")
class Video(Node):
    prompt: str
    caption: str | None
    status: VideoStatusType  # type: ignore[valid-type]
    aspect: AspectType  # type: ignore[valid-type]
    duration_seconds: int
    rating: ContentRatingType  # type: ignore[valid-type]
    created_at: datetime
    published_at: datetime | None
    row: strawberry.Private[videos.Video]

    @classmethod
    def from_row(cls, row: videos.Video) -> Video:
        return cls(
            id=strawberry.ID(to_global_id("Video", row.id)),
            row=row,
            prompt=row.prompt,
            caption=row.caption,
            status=VideoStatus(row.status),
            aspect=row.aspect,
            duration_seconds=row.duration_seconds,
            rating=Rating[row.rating],
            created_at=row.created_at,
            published_at=row.published_at,
        )

    @strawberry.field
    async def creator(self, info: Info) -> User:
        user = await info.context.loaders.user.load(self.row.creator_id)
        assert user is not None
        return User.from_row(user)

    @strawberry.field(
        description="Every character in the video: tagged by the creator, detected in the prompt, or inherited "
        "from remixOf."
    )
    async def characters(self, info: Info) -> list[Character]:
        rows = await info.context.loaders.character.load_many(list(self.row.character_ids))
        return [Character.from_row(row) for row in rows if row is not None]

    @strawberry.field
    async def licenses(self, info: Info) -> list[VideoLicense]:
        return [
            VideoLicense(
                character_id=lic.character_id,
                policy_version=lic.policy_version,
                revenue_share_bps=lic.revenue_share_bps,
                generation_fee=MoneyType.usd(lic.generation_fee_micros),
                attribution=lic.attribution,
                review=ReviewState(lic.review),
                review_note=lic.review_note,
            )
            for lic in await info.context.loaders.licenses.load(self.row.id)
        ]

    @strawberry.field
    async def remix_of(self, info: Info) -> Video | None:
        return await load_video(info, self.row.remix_of_id) if self.row.remix_of_id else None

    @strawberry.field(description="Null until generated.")
    def media(self, info: Info) -> VideoMedia | None:
        media = self.row.media
        if media is None:
            return None
        storage = info.context.services.storage
        return VideoMedia(
            url=storage.url(media.key),
            thumbnail_url=storage.url(media.thumbnail_key),
            content_type=media.content_type,
            width=media.width,
            height=media.height,
            duration_seconds=media.duration_seconds,
            size_bytes=media.size_bytes,
            sha256=media.sha256,
            provenance_url=storage.url(media.manifest_key),
        )

    @strawberry.field(description="Creator only: what the generation cost.")
    def cost(self, info: Info) -> MoneyType | None:
        return MoneyType.usd(self.row.cost_micros) if info.context.viewer_id == self.row.creator_id else None

    @strawberry.field(description="Set when status is FAILED, REJECTED or TAKEN_DOWN.")
    def status_reason(self) -> str | None:
        return self.row.status_reason


async def may_see(info: Info, row: videos.Video) -> bool:
    """Published videos are public; any other state only to its creator and its characters' holders' members."""
    if row.status == VideoStatus.PUBLISHED:
        return True
    viewer_id = info.context.viewer_id
    if viewer_id is None:
        return False
    if viewer_id == row.creator_id:
        return True
    if row.status == VideoStatus.DELETED:
        return False
    characters = await info.context.loaders.character.load_many(list(row.character_ids))
    holder_ids = {c.holder_id for c in characters if c is not None}
    return bool(holder_ids & await info.context.loaders.viewer_holder_ids())


async def load_video(info: Info, video_id: UUID) -> Video | None:
    row = await info.context.loaders.video.load(video_id)
    return Video.from_row(row) if row is not None and await may_see(info, row) else None


register_node("Video", load_video)
