"""Videos and their per-character licenses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from db.queries import ledger
from db.queries.ledger import AccountKind


@dataclass(slots=True)  # read-only; not frozen: a frozen __init__ costs 5x (list pages make hundreds)
class Media:
    key: str
    thumbnail_key: str
    manifest_key: str
    content_type: str
    width: int
    height: int
    duration_seconds: float
    size_bytes: int
    sha256: str


@dataclass(slots=True)  # read-only; not frozen: a frozen __init__ costs 5x (list pages make hundreds)
class Video:
    id: UUID
    creator_id: UUID
    prompt: str
    caption: str | None
    status: str
    status_reason: str | None
    aspect: str
    duration_seconds: int
    rating: str
    remix_of_id: UUID | None
    cost_micros: int
    base_price_micros: int
    attempts: int
    created_at: datetime
    published_at: datetime | None
    media: Media | None
    character_ids: tuple[UUID, ...]
    like_count: int = 0
    comment_count: int = 0
    remix_count: int = 0
    # Whether the creator was suspended when the row was read; None where the query did not say (lists).
    creator_suspended: bool | None = None


@dataclass(slots=True)  # read-only; not frozen: a frozen __init__ costs 5x (list pages make hundreds)
class License:
    video_id: UUID
    character_id: UUID
    policy_version: int
    revenue_share_bps: int
    generation_fee_micros: int
    attribution: str | None
    review: str
    review_note: str | None


VIDEO_FIELDS = """
v.id, v.creator_id, v.prompt, v.caption, v.status, v.status_reason, v.aspect, v.duration_seconds, v.rating,
v.remix_of_id, v.cost_micros, v.base_price_micros, v.attempts, v.created_at, v.published_at,
v.media_key, v.thumbnail_key, v.manifest_key, v.content_type, v.width, v.height, v.media_duration_seconds,
v.size_bytes, v.sha256, v.like_count, v.comment_count, v.remix_count"""
VIDEO_COLUMNS = f"""{VIDEO_FIELDS},
coalesce((SELECT array_agg(l.character_id ORDER BY l.position) FROM video_licenses l WHERE l.video_id = v.id), '{{}}')
    AS character_ids
"""


def _video(
    row: asyncpg.Record, creator_suspended: bool | None = None, character_ids: tuple[UUID, ...] | None = None
) -> Video:
    """`character_ids`: when the row has no character_ids column (LIST_COLUMNS)."""
    media = None
    if row["media_key"] is not None:
        media = Media(
            key=row["media_key"],
            thumbnail_key=row["thumbnail_key"],
            manifest_key=row["manifest_key"],
            content_type=row["content_type"],
            width=row["width"],
            height=row["height"],
            duration_seconds=row["media_duration_seconds"],
            size_bytes=row["size_bytes"],
            sha256=row["sha256"],
        )
    return Video(
        id=row["id"],
        creator_id=row["creator_id"],
        prompt=row["prompt"],
        caption=row["caption"],
        status=row["status"],
        status_reason=row["status_reason"],
        aspect=row["aspect"],
        duration_seconds=row["duration_seconds"],
        rating=row["rating"],
        remix_of_id=row["remix_of_id"],
        cost_micros=row["cost_micros"],
        base_price_micros=row["base_price_micros"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        published_at=row["published_at"],
        media=media,
        character_ids=tuple(row["character_ids"]) if character_ids is None else character_ids,
        like_count=row["like_count"],
        comment_count=row["comment_count"],
        remix_count=row["remix_count"],
        creator_suspended=creator_suspended,
    )


# The video and its licenses (in their order) in one statement; the new row.
INSERT_VIDEO = f"""
WITH v AS (
    INSERT INTO videos (id, creator_id, prompt, aspect, duration_seconds, rating, remix_of_id, idempotency_key,
                        cost_micros, base_price_micros)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    RETURNING *
), licenses AS (
    INSERT INTO video_licenses (video_id, character_id, position, policy_version, revenue_share_bps,
                                generation_fee_micros, attribution, review, fee_held)
    SELECT $1, t.character_id, t.position, t.policy_version, t.share, t.fee, t.attribution, t.review,
           t.review = 'PENDING' AND t.fee > 0
    FROM unnest($11::uuid[], $12::int[], $13::int[], $14::bigint[], $15::text[], $16::text[])
        WITH ORDINALITY AS t(character_id, policy_version, share, fee, attribution, review, position)
)
SELECT {VIDEO_FIELDS}, $11::uuid[] AS character_ids FROM v
"""


async def insert_video(
    conn: asyncpg.Connection,
    *,
    video_id: UUID,
    creator_id: UUID,
    prompt: str,
    aspect: str,
    duration_seconds: int,
    rating: str,
    remix_of_id: UUID | None,
    idempotency_key: str | None,
    cost_micros: int,
    base_price_micros: int,
    licenses: Sequence[License],
) -> Video:
    """A new QUEUED video with its licenses (their `video_id` is `video_id`)."""
    row = await conn.fetchrow(
        INSERT_VIDEO,
        video_id,
        creator_id,
        prompt,
        aspect,
        duration_seconds,
        rating,
        remix_of_id,
        idempotency_key,
        cost_micros,
        base_price_micros,
        [lic.character_id for lic in licenses],
        [lic.policy_version for lic in licenses],
        [lic.revenue_share_bps for lic in licenses],
        [lic.generation_fee_micros for lic in licenses],
        [lic.attribution for lic in licenses],
        [lic.review for lic in licenses],
    )
    return _video(row)


# Read one by one (node, remixOf, the DataLoader): whether the creator is suspended comes along, so
# that deciding who may see a published video costs no statement of its own.
CREATOR_SUSPENDED = "EXISTS (SELECT 1 FROM users su WHERE su.id = v.creator_id AND su.suspended_at IS NOT NULL)"
GET_VIDEOS = f"""
SELECT {VIDEO_COLUMNS}, {CREATOR_SUSPENDED} AS creator_suspended FROM videos v WHERE v.id = ANY($1::uuid[])
"""


async def get_videos(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> list[Video]:
    return [_video(row, row["creator_suspended"]) for row in await conn.fetch(GET_VIDEOS, list(video_ids))]


async def get_video(conn: asyncpg.Connection, *, video_id: UUID) -> Video | None:
    found = await get_videos(conn, video_ids=[video_id])
    return found[0] if found else None


# NO KEY UPDATE: rows that merely reference the video (activity, trending ranks) can still be written.
LOCK_VIDEO = f"SELECT {VIDEO_COLUMNS} FROM videos v WHERE v.id = $1 FOR NO KEY UPDATE OF v"


async def lock_video(conn: asyncpg.Connection, *, video_id: UUID) -> Video | None:
    """The video, its row locked for the rest of the transaction."""
    row = await conn.fetchrow(LOCK_VIDEO, video_id)
    return _video(row) if row else None


BY_IDEMPOTENCY_KEY = """
SELECT id FROM videos WHERE creator_id = $1 AND idempotency_key = $2 AND created_at > now() - interval '24 hours'
ORDER BY created_at LIMIT 1
"""


async def find_by_idempotency_key(conn: asyncpg.Connection, *, creator_id: UUID, key: str) -> UUID | None:
    video_id: UUID | None = await conn.fetchval(BY_IDEMPOTENCY_KEY, creator_id, key)
    return video_id


# GENERATING (one more attempt) if the video is in one of $2, and what the generation job needs:
# the video, its creator's handle, its licenses with their characters and holders (and the holders'
# ledger accounts) in order, and the escrow and platform accounts that drafting settles between
# (account ids never change; a holder's is NULL before its first use).
CLAIM_GENERATION = f"""
UPDATE videos v SET status = 'GENERATING', status_reason = NULL, updated_at = now(), attempts = attempts + 1
WHERE v.id = $1 AND v.status = ANY($2::text[])
RETURNING {VIDEO_COLUMNS},
    (SELECT u.handle FROM users u WHERE u.id = v.creator_id) AS creator_handle,
    ARRAY(SELECT (c.id, c.name, c.holder_id, h.name, l.policy_version, l.attribution, l.generation_fee_micros,
                  l.fee_held, (SELECT a.id FROM ledger_accounts a WHERE a.holder_id = h.id))
          FROM video_licenses l JOIN characters c ON c.id = l.character_id JOIN holders h ON h.id = c.holder_id
          WHERE l.video_id = v.id ORDER BY l.position) AS licensed,
    {ledger.system_account_id(AccountKind.ESCROW)} AS escrow_account_id,
    {ledger.system_account_id(AccountKind.PLATFORM)} AS platform_account_id
"""


@dataclass(frozen=True)
class Licensed:
    """One of a video's licenses as its generation sees it: the character, its holder, the fixed terms."""

    character_id: UUID
    character_name: str
    holder_id: UUID
    holder_name: str
    policy_version: int
    attribution: str | None
    fee_micros: int
    fee_held: bool = False  # waits in escrow for the holder's review (RULES §11)
    holder_account_id: UUID | None = None  # the holder's ledger account; None before its first use


@dataclass(frozen=True)
class Claimed:
    video: Video
    creator_handle: str
    licensed: tuple[Licensed, ...]
    escrow_account_id: UUID | None = None
    platform_account_id: UUID | None = None

    def accounts(self) -> ledger.AccountIds:
        """The ledger accounts drafting settles between, as far as the claim found them."""
        system = {AccountKind.ESCROW: self.escrow_account_id, AccountKind.PLATFORM: self.platform_account_id}
        holders = {lic.holder_id: lic.holder_account_id for lic in self.licensed}
        return ledger.AccountIds(
            {},
            {holder: account for holder, account in holders.items() if account is not None},
            {kind: account for kind, account in system.items() if account is not None},
        )

    def fees_by_holder(self) -> dict[UUID, int]:
        """The license fees the generation pays when drafted, per holder (holders owed nothing left out);
        fees held for review stay in escrow."""
        fees: dict[UUID, int] = {}
        for lic in self.licensed:
            if lic.fee_micros > 0 and not lic.fee_held:
                fees[lic.holder_id] = fees.get(lic.holder_id, 0) + lic.fee_micros
        return fees


async def claim_generation(conn: asyncpg.Connection, *, video_id: UUID, statuses: Sequence[str]) -> Claimed | None:
    """GENERATING (one more attempt) if the video is in one of `statuses`; None when it was not."""
    row = await conn.fetchrow(CLAIM_GENERATION, video_id, list(statuses))
    return None if row is None else claimed(row)


def claimed(row: asyncpg.Record) -> Claimed:
    """The Claimed of a row with CLAIM_GENERATION's columns."""
    licensed = tuple(Licensed(*fields) for fields in row["licensed"])
    return Claimed(_video(row), row["creator_handle"], licensed, row["escrow_account_id"], row["platform_account_id"])


SET_STATUS = """
UPDATE videos SET status = $2, status_reason = $3, updated_at = now(), attempts = attempts + $4 WHERE id = $1
"""


async def set_status(
    conn: asyncpg.Connection, *, video_id: UUID, status: str, reason: str | None = None, attempt: bool = False
) -> None:
    await conn.execute(SET_STATUS, video_id, status, reason, int(attempt))


# DRAFT with their media, only from GENERATING (a concurrent run that got there first wins).
SET_DRAFTED = f"""
UPDATE videos v SET status = 'DRAFT', status_reason = NULL, updated_at = now(),
    media_key = m.media_key, thumbnail_key = m.thumbnail_key, manifest_key = m.manifest_key,
    content_type = m.content_type, width = m.width, height = m.height,
    media_duration_seconds = m.duration_seconds, size_bytes = m.size_bytes, sha256 = m.sha256,
    generator = $11, model = m.model
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::float8[],
            $9::bigint[], $10::text[], $12::text[])
    AS m (id, media_key, thumbnail_key, manifest_key, content_type, width, height, duration_seconds,
          size_bytes, sha256, model)
WHERE v.id = m.id AND v.status = 'GENERATING'
  -- RULES §11: unless told the policies were re-checked, only while no character's policy has a
  -- version newer than the one licensed (the caller re-evaluates the others).
  AND ($13 OR NOT EXISTS (
      SELECT 1 FROM video_licenses l JOIN character_policies p ON p.character_id = l.character_id
      WHERE l.video_id = v.id AND p.version > l.policy_version))
RETURNING {VIDEO_COLUMNS}
"""


async def set_drafted(
    conn: asyncpg.Connection,
    rendered: Sequence[tuple[UUID, Media, str]],
    *,
    generator: str,
    policies_rechecked: bool = False,
) -> list[Video]:
    """Set GENERATING videos DRAFT, each with its media and model (video id, media, model; one
    entry per video); the videos drafted (those that were GENERATING and, unless
    `policies_rechecked`, whose characters' policies are still the versions licensed), as they are now."""
    media = [m for _, m, _ in rendered]
    rows = await conn.fetch(
        SET_DRAFTED,
        [video_id for video_id, _, _ in rendered],
        [m.key for m in media],
        [m.thumbnail_key for m in media],
        [m.manifest_key for m in media],
        [m.content_type for m in media],
        [m.width for m in media],
        [m.height for m in media],
        [m.duration_seconds for m in media],
        [m.size_bytes for m in media],
        [m.sha256 for m in media],
        generator,
        [model for _, _, model in rendered],
        policies_rechecked,
    )
    return [_video(row) for row in rows]


LICENSES = """
SELECT video_id, character_id, policy_version, revenue_share_bps, generation_fee_micros, attribution, review,
       review_note
FROM video_licenses WHERE video_id = ANY($1::uuid[]) ORDER BY video_id, position
"""


async def licenses_of(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> list[License]:
    return [_license(row) for row in await conn.fetch(LICENSES, list(video_ids))]


STUCK = """
SELECT id FROM videos
WHERE status IN ('QUEUED', 'GENERATING') AND updated_at < now() - make_interval(secs => $1)
ORDER BY updated_at LIMIT $2
"""


async def stuck_video_ids(conn: asyncpg.Connection, *, older_than_seconds: float, limit: int = 500) -> list[UUID]:
    return [row["id"] for row in await conn.fetch(STUCK, older_than_seconds, limit)]


TOUCH = "UPDATE videos SET updated_at = now() WHERE id = ANY($1::uuid[])"


async def touch(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> None:
    await conn.execute(TOUCH, list(video_ids))


DRAFTS = f"""
SELECT {VIDEO_COLUMNS} FROM videos v
WHERE v.creator_id = $1 AND v.status IN ('QUEUED', 'GENERATING', 'DRAFT', 'PENDING_REVIEW', 'REJECTED', 'FAILED')
  AND ($2::timestamptz IS NULL OR (v.created_at, v.id) < ($2::timestamptz, $3::uuid))
ORDER BY v.created_at DESC, v.id DESC LIMIT $4
"""


async def drafts_of(
    conn: asyncpg.Connection, *, creator_id: UUID, after: tuple[datetime, UUID] | None, limit: int
) -> list[Video]:
    """A creator's unpublished videos, newest first (keyset: created_at, id)."""
    created_at, last_id = after if after else (None, None)
    return [_video(row) for row in await conn.fetch(DRAFTS, creator_id, created_at, last_id, limit)]


PUBLISH = """
UPDATE videos SET status = $2, caption = coalesce($3, caption), status_reason = NULL, updated_at = now(),
    published_at = CASE WHEN $2 = 'PUBLISHED' THEN now() ELSE published_at END
WHERE id = $1
"""
COUNT_REMIX = "UPDATE videos SET remix_count = remix_count + 1 WHERE id = $1"


async def publish(conn: asyncpg.Connection, *, video: Video, status: str, caption: str | None = None) -> None:
    """PUBLISHED (counted as a remix of its parent) or PENDING_REVIEW; the caller holds the row lock."""
    await conn.execute(PUBLISH, video.id, status, caption)
    if status == "PUBLISHED" and video.remix_of_id is not None:
        await conn.execute(COUNT_REMIX, video.remix_of_id)


UNPUBLISH = """
UPDATE videos SET status = $2, status_reason = $3, updated_at = now(),
    unpublished_at = CASE WHEN status = 'PUBLISHED' THEN now() ELSE unpublished_at END
WHERE id = $1
"""
UNCOUNT_REMIX = "UPDATE videos SET remix_count = remix_count - 1 WHERE id = $1"


async def unpublish(conn: asyncpg.Connection, *, video: Video, status: str, reason: str | None) -> None:
    """TAKEN_DOWN, REJECTED or DELETED; a published remix stops counting for its parent."""
    await conn.execute(UNPUBLISH, video.id, status, reason)
    if video.status == "PUBLISHED" and video.remix_of_id is not None:
        await conn.execute(UNCOUNT_REMIX, video.remix_of_id)


REVIEW = """
UPDATE video_licenses SET review = $3, review_note = $4, reviewed_by = $5, reviewed_at = now()
WHERE video_id = $1 AND character_id = $2 AND review = 'PENDING'
"""


async def review_license(
    conn: asyncpg.Connection, *, video_id: UUID, character_id: UUID, review: str, note: str | None, reviewer: UUID
) -> bool:
    """True when the license was pending review and now is not."""
    return str(await conn.execute(REVIEW, video_id, character_id, review, note, reviewer)) == "UPDATE 1"


REQUIRE_REVIEW = """
UPDATE video_licenses SET review = 'PENDING'
WHERE video_id = $1 AND character_id = ANY($2::uuid[]) AND review = 'NOT_REQUIRED'
"""


async def require_review(conn: asyncpg.Connection, *, video_id: UUID, character_ids: Sequence[UUID]) -> None:
    """The characters' holders review the video before it is published (their policy asks it now)."""
    if character_ids:
        await conn.execute(REQUIRE_REVIEW, video_id, list(character_ids))


ANCESTORS = f"""
WITH RECURSIVE chain(id, depth) AS (
    SELECT remix_of_id, 1 FROM videos WHERE id = $1 AND remix_of_id IS NOT NULL
    UNION ALL
    SELECT v.remix_of_id, c.depth + 1 FROM chain c JOIN videos v ON v.id = c.id
    WHERE v.remix_of_id IS NOT NULL AND c.depth < $2
)
SELECT {VIDEO_COLUMNS}, {CREATOR_SUSPENDED} AS creator_suspended
FROM chain JOIN videos v ON v.id = chain.id ORDER BY chain.depth
"""


async def ancestors(conn: asyncpg.Connection, *, video_id: UUID, limit: int = 1000) -> list[Video]:
    """The videos a video remixes, nearest first, in one query whatever the depth."""
    return [_video(row, row["creator_suspended"]) for row in await conn.fetch(ANCESTORS, video_id, limit)]


# Lists carry each video's licenses (rows of video_licenses, in order) and whether the viewer ($1)
# liked it, so a page of any size is one statement, and its DataLoaders start primed.
# A listed video's licenses come as rows of LICENSE_FIELDS (type listed_license, migration 0019), in
# position order (its character_ids are theirs): fewer columns to decode than whole video_licenses
# rows, no second subquery.
LICENSE_FIELDS = (
    "l.character_id, l.policy_version, l.revenue_share_bps, l.generation_fee_micros, l.attribution, l.review, "
    "l.review_note"
)
LIST_COLUMNS = f"""{VIDEO_FIELDS},
ARRAY(SELECT ROW({LICENSE_FIELDS})::listed_license FROM video_licenses l WHERE l.video_id = v.id ORDER BY l.position)
    AS licenses,
($1::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM video_likes k WHERE k.video_id = v.id AND k.user_id = $1)) AS liked
"""


@dataclass(slots=True)  # read-only; not frozen: a frozen __init__ costs 5x (list pages make hundreds)
class Listed:
    video: Video
    licenses: tuple[License, ...]
    liked: bool


def listed(row: asyncpg.Record) -> Listed:
    video_id = row["id"]
    licenses = tuple(License(video_id, *fields) for fields in row["licenses"])
    return Listed(_video(row, character_ids=tuple(lic.character_id for lic in licenses)), licenses, row["liked"])


def _license(row: asyncpg.Record) -> License:
    return License(
        video_id=row["video_id"],
        character_id=row["character_id"],
        policy_version=row["policy_version"],
        revenue_share_bps=row["revenue_share_bps"],
        generation_fee_micros=row["generation_fee_micros"],
        attribution=row["attribution"],
        review=row["review"],
        review_note=row["review_note"],
    )
