"""searchVideos (RULES §10): full-text search over published videos' prompt and caption.

Matches come from the GIN index on videos.search_document (migration 0015), best first by ts_rank
(then id), keyset-paginated on (rank, id); the viewer's ($1) blocks, see-less and rating limit apply.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from db.queries.preferences import steered
from db.queries.safety import hidden_creator
from db.queries.videos import LIST_COLUMNS, Listed, listed
from domain.search import SearchQuery

# $2: free words, $3: the hashtags' tsquery text ('' when there are none).
QUERY = """(CASE WHEN $3 = '' THEN plainto_tsquery('english', $2)
                 WHEN $2 = '' THEN $3::tsquery
                 ELSE plainto_tsquery('english', $2) && $3::tsquery END)"""

# The page is picked before its LIST_COLUMNS are computed (as the feed does).
SEARCH = f"""
WITH page AS MATERIALIZED (
    SELECT v.id, ts_rank(v.search_document, {QUERY})::float8 AS rank FROM videos v
    WHERE v.status = 'PUBLISHED' AND v.search_document @@ {QUERY}
      AND NOT {hidden_creator("v")} AND {steered("v")}
      AND (ts_rank(v.search_document, {QUERY})::float8, v.id)
          < (coalesce($4::float8, 'infinity'), coalesce($5::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
    ORDER BY 2 DESC, v.id DESC LIMIT $6)
SELECT {LIST_COLUMNS}, p.rank FROM page p JOIN videos v ON v.id = p.id
ORDER BY p.rank DESC, p.id DESC
"""


async def search_videos(
    conn: asyncpg.Connection,
    *,
    viewer_id: UUID | None,
    query: SearchQuery,
    after: tuple[float, UUID] | None,
    limit: int,
) -> list[tuple[Listed, float]]:
    """Up to `limit` matching videos, best first, each with its rank (the cursor's first key)."""
    if query.empty:
        return []
    rank, last_id = after if after else (None, None)
    rows = await conn.fetch(SEARCH, viewer_id, query.words, query.hashtag_query(), rank, last_id, limit)
    return [(listed(row), row["rank"]) for row in rows]
