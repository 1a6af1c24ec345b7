"""Trending: a periodic snapshot of published videos ranked by engagement with time decay.

score = (1 + likes + 2·comments + 3·remixes + views / 10) / (age in hours + 2)^1.5

Engagement that takes more effort weighs more (a remix > a comment > a like > a qualified
view), and gravity 1.5 lets a day-old video with ten times the engagement still beat a new
one, while nothing stays on top for a week. Each recomputation writes a new snapshot; a
cursor pins the snapshot it started in, so paging is stable while scores move. Snapshots
older than an hour (and not the newest) are dropped.
"""

from __future__ import annotations

from typing import Any

import asyncpg

TRENDING_SIZE = 10_000
WINDOW_DAYS = 30

NEW_SNAPSHOT = (
    "INSERT INTO trending_snapshots (generation) VALUES (nextval('trending_generation_seq')) RETURNING generation"
)
RANK = f"""
INSERT INTO trending_ranks (generation, rank, video_id, score)
SELECT $1, row_number() OVER (ORDER BY score DESC, id), id, score FROM (
    SELECT v.id, (1 + v.like_count + 2 * v.comment_count + 3 * v.remix_count + {{views}} / 10.0)
                 / power(extract(epoch FROM now() - v.published_at) / 3600 + 2, 1.5) AS score
    FROM videos v
    WHERE v.status = 'PUBLISHED' AND v.published_at > now() - interval '{WINDOW_DAYS} days'
    ORDER BY score DESC, v.id LIMIT {TRENDING_SIZE}
) ranked
"""
DROP_OLD = "DELETE FROM trending_snapshots WHERE generation < $1 AND computed_at < now() - interval '1 hour'"
HAS_VIEW_COUNT = """
SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'videos' AND column_name = 'view_count')
"""


async def recompute(conn: asyncpg.Connection) -> int:
    """Write a new snapshot; return its generation."""
    views = "v.view_count" if await conn.fetchval(HAS_VIEW_COUNT) else "0"
    async with conn.transaction():
        generation: int = await conn.fetchval(NEW_SNAPSHOT)
        await conn.execute(RANK.format(views=views), generation)
        await conn.execute(DROP_OLD, generation)
    return generation


async def recompute_trending(ctx: dict[str, Any]) -> int:
    async with ctx["pool"].acquire() as conn:
        return await recompute(conn)
