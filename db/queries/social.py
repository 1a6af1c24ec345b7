"""Follows, likes and comments, with their counters updated in the same statement set.

Each toggle changes a counter only when its row really changed (the INSERT ... ON CONFLICT
DO NOTHING or DELETE reports it), inside the caller's transaction, so counts stay exact
under concurrency and repeated calls are idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from db.queries.safety import hidden_user

FOLLOW_USER = """
WITH added AS (
    INSERT INTO user_follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
), followee AS (
    UPDATE users SET follower_count = follower_count + 1 WHERE id = $2 AND EXISTS (SELECT 1 FROM added)
), follower AS (
    UPDATE users SET following_count = following_count + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM added)
)
SELECT count(*) FROM added
"""
UNFOLLOW_USER = """
WITH removed AS (
    DELETE FROM user_follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1
), followee AS (
    UPDATE users SET follower_count = follower_count - 1 WHERE id = $2 AND EXISTS (SELECT 1 FROM removed)
), follower AS (
    UPDATE users SET following_count = following_count - 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM removed)
)
SELECT count(*) FROM removed
"""


async def follow_user(conn: asyncpg.Connection, *, follower_id: UUID, followee_id: UUID, follow: bool) -> bool:
    """True when the follow state changed."""
    changed: int = await conn.fetchval(FOLLOW_USER if follow else UNFOLLOW_USER, follower_id, followee_id)
    return changed == 1


FOLLOW_CHARACTER = """
WITH added AS (
    INSERT INTO character_follows (character_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
), counted AS (
    UPDATE characters SET follower_count = follower_count + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM added)
)
SELECT count(*) FROM added
"""
UNFOLLOW_CHARACTER = """
WITH removed AS (
    DELETE FROM character_follows WHERE character_id = $1 AND user_id = $2 RETURNING 1
), counted AS (
    UPDATE characters SET follower_count = follower_count - 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM removed)
)
SELECT count(*) FROM removed
"""


async def follow_character(conn: asyncpg.Connection, *, user_id: UUID, character_id: UUID, follow: bool) -> bool:
    changed: int = await conn.fetchval(FOLLOW_CHARACTER if follow else UNFOLLOW_CHARACTER, character_id, user_id)
    return changed == 1


LIKE = """
WITH added AS (
    INSERT INTO video_likes (video_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
), counted AS (
    UPDATE videos SET like_count = like_count + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM added)
)
SELECT count(*) FROM added
"""
UNLIKE = """
WITH removed AS (
    DELETE FROM video_likes WHERE video_id = $1 AND user_id = $2 RETURNING 1
), counted AS (
    UPDATE videos SET like_count = like_count - 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM removed)
)
SELECT count(*) FROM removed
"""


async def like(conn: asyncpg.Connection, *, video_id: UUID, user_id: UUID, like: bool) -> bool:
    changed: int = await conn.fetchval(LIKE if like else UNLIKE, video_id, user_id)
    return changed == 1


LIKED_AMONG = "SELECT video_id FROM video_likes WHERE user_id = $1 AND video_id = ANY($2::uuid[])"


async def liked_among(conn: asyncpg.Connection, *, user_id: UUID, video_ids: Sequence[UUID]) -> set[UUID]:
    return {row["video_id"] for row in await conn.fetch(LIKED_AMONG, user_id, list(video_ids))}


@dataclass(frozen=True)
class Comment:
    id: UUID
    video_id: UUID
    author_id: UUID
    body: str
    created_at: datetime


ADD_COMMENT = """
WITH added AS (
    INSERT INTO comments (video_id, author_id, body) VALUES ($1, $2, $3)
    RETURNING id, video_id, author_id, body, created_at
), counted AS (
    UPDATE videos SET comment_count = comment_count + 1 WHERE id = $1
)
SELECT * FROM added
"""


async def add_comment(conn: asyncpg.Connection, *, video_id: UUID, author_id: UUID, body: str) -> Comment:
    return Comment(**dict(await conn.fetchrow(ADD_COMMENT, video_id, author_id, body)))


DELETE_COMMENT = """
WITH removed AS (
    DELETE FROM comments WHERE id = $1 RETURNING id, video_id, author_id, body, created_at
), counted AS (
    UPDATE videos SET comment_count = comment_count - 1 WHERE id IN (SELECT video_id FROM removed)
)
SELECT * FROM removed
"""


async def delete_comment(conn: asyncpg.Connection, *, comment_id: UUID) -> Comment | None:
    row = await conn.fetchrow(DELETE_COMMENT, comment_id)
    return Comment(**dict(row)) if row else None


GET_COMMENTS = "SELECT id, video_id, author_id, body, created_at FROM comments WHERE id = ANY($1::uuid[])"


async def get_comments(conn: asyncpg.Connection, *, comment_ids: Sequence[UUID]) -> list[Comment]:
    return [Comment(**dict(row)) for row in await conn.fetch(GET_COMMENTS, list(comment_ids))]


# Comments of suspended authors and of authors in a block with the viewer ($5) are left out.
COMMENTS_OF = f"""
SELECT c.id, c.video_id, c.author_id, c.body, c.created_at FROM comments c
WHERE c.video_id = $1 AND ($2::timestamptz IS NULL OR (c.created_at, c.id) > ($2::timestamptz, $3::uuid))
  AND NOT {hidden_user("$5::uuid", "c.author_id")}
ORDER BY c.created_at, c.id LIMIT $4
"""


async def comments_of(
    conn: asyncpg.Connection,
    *,
    viewer_id: UUID | None,
    video_id: UUID,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[Comment]:
    """A video's comments the viewer may see, oldest first (a conversation reads top to bottom)."""
    created_at, last_id = after if after else (None, None)
    rows = await conn.fetch(COMMENTS_OF, video_id, created_at, last_id, limit, viewer_id)
    return [Comment(**dict(row)) for row in rows]
