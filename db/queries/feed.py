"""Video lists: the home feed, trending, a character's and a user's videos, remixes, the review
queue. All keyset-paginated (stable while new videos arrive); $1 is always the viewer (or NULL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from db.queries.characters import SHOWN_COLUMNS, Shown, shown_of, shown_sql
from db.queries.preferences import MODE, creator_steered, steered, video_steered
from db.queries.safety import blocked_between, hidden_creator, hidden_user
from db.queries.videos import LIST_COLUMNS, Listed, listed

Keyset = tuple[datetime, UUID]
# What a page of a list may contain when the viewer may see unpublished videos.
NOT_DELETED = "v.status <> 'DELETED'"


async def _fetch(conn: asyncpg.Connection, sql: str, *args: object) -> list[Listed]:
    return [listed(row) for row in await conn.fetch(sql, *args)]


def _split(after: Keyset | None) -> tuple[datetime | None, UUID | None]:
    return after if after else (None, None)


def before_cursor(alias: str, id_column: str, published_at: str, last_id: str) -> str:
    """SQL: `alias`'s row comes after the cursor (parameters `published_at`, `last_id`; NULL: the
    first page) in feed order. Written with coalesce rather than "$n IS NULL OR ..." so that it
    stays an index condition in the generic plan a prepared statement may end up with."""
    return (
        f"({alias}.published_at, {alias}.{id_column}) < (coalesce({published_at}::timestamptz, 'infinity'), "
        f"coalesce({last_id}::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))"
    )


PUBLISHED_BY = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.creator_id = $2 AND v.status = 'PUBLISHED' AND NOT {hidden_creator("v")}
  AND ($3::timestamptz IS NULL OR (v.published_at, v.id) < ($3::timestamptz, $4::uuid))
ORDER BY v.published_at DESC, v.id DESC LIMIT $5
"""
ALL_BY = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.creator_id = $2 AND {NOT_DELETED}
  AND ($3::timestamptz IS NULL OR (v.created_at, v.id) < ($3::timestamptz, $4::uuid))
ORDER BY v.created_at DESC, v.id DESC LIMIT $5
"""


async def videos_of_user(
    conn: asyncpg.Connection,
    *,
    viewer_id: UUID | None,
    user_id: UUID,
    everything: bool,
    after: Keyset | None,
    limit: int,
) -> list[Listed]:
    """Published videos newest first (keyset published_at); `everything`: all but deleted (keyset created_at)."""
    return await _fetch(conn, ALL_BY if everything else PUBLISHED_BY, viewer_id, user_id, *_split(after), limit)


# A character's published videos, newest first, from its licenses (which carry their video's
# published_at: migration 0010), the page picked before its columns are computed.
OF_CHARACTER = f"""
WITH page AS MATERIALIZED (
    SELECT l.video_id, l.published_at FROM video_licenses l JOIN videos lv ON lv.id = l.video_id
    WHERE l.character_id = $2 AND l.published_at IS NOT NULL
      AND {before_cursor("l", "video_id", "$3", "$4")} AND NOT {hidden_creator("lv")}
    ORDER BY l.published_at DESC, l.video_id DESC LIMIT $5)
SELECT {LIST_COLUMNS} FROM page p JOIN videos v ON v.id = p.video_id
ORDER BY p.published_at DESC, p.video_id DESC
"""
# Every state but deleted, for the holder's members: a published video across a block with the
# viewer stays hidden (as `node` hides it); unpublished ones stay, since members must review them.
ALL_OF_CHARACTER = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.id IN (SELECT video_id FROM video_licenses WHERE character_id = $2) AND {NOT_DELETED}
  AND (v.status <> 'PUBLISHED' OR NOT {blocked_between("$1", "v.creator_id")})
  AND ($3::timestamptz IS NULL OR (v.created_at, v.id) < ($3::timestamptz, $4::uuid))
ORDER BY v.created_at DESC, v.id DESC LIMIT $5
"""


async def videos_of_character(
    conn: asyncpg.Connection,
    *,
    viewer_id: UUID | None,
    character_id: UUID,
    everything: bool,
    after: Keyset | None,
    limit: int,
) -> list[Listed]:
    sql = ALL_OF_CHARACTER if everything else OF_CHARACTER
    return await _fetch(conn, sql, viewer_id, character_id, *_split(after), limit)


REMIXES = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.remix_of_id = $2 AND v.status = 'PUBLISHED' AND NOT {hidden_creator("v")}
  AND ($3::timestamptz IS NULL OR (v.published_at, v.id) < ($3::timestamptz, $4::uuid))
ORDER BY v.published_at DESC, v.id DESC LIMIT $5
"""


async def remixes_of(
    conn: asyncpg.Connection, *, viewer_id: UUID | None, video_id: UUID, after: Keyset | None, limit: int
) -> list[Listed]:
    return await _fetch(conn, REMIXES, viewer_id, video_id, *_split(after), limit)


REVIEW_QUEUE = f"""
SELECT {LIST_COLUMNS} FROM videos v
WHERE v.status = 'PENDING_REVIEW' AND EXISTS (
    SELECT 1 FROM video_licenses l JOIN characters c ON c.id = l.character_id
    WHERE l.video_id = v.id AND l.review = 'PENDING' AND c.holder_id = $2)
  AND ($3::timestamptz IS NULL OR (v.created_at, v.id) > ($3::timestamptz, $4::uuid))
ORDER BY v.created_at, v.id LIMIT $5
"""


async def review_queue(
    conn: asyncpg.Connection, *, viewer_id: UUID, holder_id: UUID, after: Keyset | None, limit: int
) -> list[Listed]:
    """Videos waiting for this holder's review, oldest first."""
    return await _fetch(conn, REVIEW_QUEUE, viewer_id, holder_id, *_split(after), limit)


# ---------------------------------------------------------------- home feed and trending

# The viewer's followed creators and characters. As NOT EXISTS probes (index lookups per row)
# they filter trending rows in rank order instead of scanning every video.
NOT_FOLLOWED = """
NOT EXISTS (SELECT 1 FROM user_follows uf WHERE uf.follower_id = $1 AND uf.followee_id = v.creator_id)
AND NOT EXISTS (SELECT 1 FROM video_licenses l JOIN character_follows cf
                ON cf.character_id = l.character_id AND cf.user_id = $1 WHERE l.video_id = v.id)
"""


# What every feed row passes: not hidden (blocks, suspension), within the viewer's preferences.
def shown(video: str) -> str:
    return f"NOT {hidden_creator(video)} AND {steered(video)}"


# The end of a page's statement: `listed` (a CTE: the page's rows with their order in `n`), and on
# its first row what the page shows of its creators and characters (characters.shown_sql: those that
# $5 and $6 ask for; NULL on the other rows). Reading them in a second statement after the page cost
# the API 2.09-2.10 ms of CPU per feed page under wrk; reading them along, 1.96-1.97 ms.
PAGE_CREATORS = "SELECT creator_id FROM listed WHERE $5::bool"
PAGE_CHARACTERS = "SELECT (unnest(licenses)).character_id FROM listed WHERE $6::bool"
WITH_SHOWN = f"""
shown AS ({shown_sql(PAGE_CREATORS, PAGE_CHARACTERS)})
SELECT l.*, {", ".join(f"CASE WHEN l.n = 1 THEN s.{name} END AS {name}" for name in SHOWN_COLUMNS)}
FROM listed l CROSS JOIN shown s ORDER BY l.n
"""


# Followed part (not in TRENDING mode), newest first (keyset published_at, id), read from the
# viewer's follows so that a page costs the same at any table size. Two steps:
# 1. candidates: for each followed creator (its block, suspension and see-less checked once per
#    creator) its newest $4 published videos, and for each followed character its newest $4 licensed
#    ones; index-only reads (videos_creator_published_idx, video_licenses_character_published_idx).
# 2. the page: the candidates walked newest first, each video's own checks (a character's video's
#    creator, rating, see-less characters and terms) made only on the rows walked until $4 pass.
# Checking each of the ~1,000 candidates instead costs four times the whole statement. The walk is
# exact unless some source had $4 candidates, all walked, and not all on the page: its next video
# (not a candidate) might belong there. `complete` says whether that happened; `feed` then reads the
# page with every candidate checked (FOLLOWED_PAGE_CHECKED), which is always exact.
FOLLOWED_CANDIDATES = f"""
creators AS MATERIALIZED (
    SELECT uf.followee_id AS id FROM user_follows uf
    WHERE uf.follower_id = $1 AND NOT {hidden_user("$1", "uf.followee_id")} AND {creator_steered("uf.followee_id")}),
candidates AS MATERIALIZED (
    SELECT f.id AS source, c.id, c.published_at FROM creators f CROSS JOIN LATERAL (
        SELECT c.id, c.published_at FROM videos c
        WHERE c.creator_id = f.id AND c.status = 'PUBLISHED' AND {before_cursor("c", "id", "$2", "$3")}
        ORDER BY c.published_at DESC, c.id DESC LIMIT $4) c
    WHERE {MODE} <> 'TRENDING'
    UNION ALL
    SELECT cf.character_id, l.video_id, l.published_at FROM character_follows cf CROSS JOIN LATERAL (
        SELECT l.video_id, l.published_at FROM video_licenses l
        WHERE l.character_id = cf.character_id AND l.published_at IS NOT NULL
          AND {before_cursor("l", "video_id", "$2", "$3")}
        ORDER BY l.published_at DESC, l.video_id DESC LIMIT $4) l
    WHERE cf.user_id = $1 AND {MODE} <> 'TRENDING')"""
FOLLOWED_PAGE = f"""
WITH {FOLLOWED_CANDIDATES},
page AS MATERIALIZED (
    SELECT p.id, p.published_at
    FROM (SELECT DISTINCT id, published_at FROM candidates ORDER BY published_at DESC, id DESC) p
    CROSS JOIN LATERAL (SELECT FROM videos v WHERE v.id = p.id AND {shown("v")}) passes
    ORDER BY p.published_at DESC, p.id DESC LIMIT $4),
complete AS (
    SELECT NOT EXISTS (
        SELECT 1 FROM candidates c GROUP BY c.source
        HAVING count(*) = $4 AND count(*) FILTER (WHERE c.id IN (SELECT id FROM page)) < $4
           AND ((SELECT count(*) FROM page) < $4 OR bool_and((c.published_at, c.id) >= (
                SELECT published_at, id FROM page ORDER BY published_at, id LIMIT 1)))) AS complete),
listed AS MATERIALIZED (
    SELECT f.complete, x.* FROM complete f LEFT JOIN LATERAL (
        SELECT {LIST_COLUMNS}, row_number() OVER (ORDER BY p.published_at DESC, p.id DESC) AS n
        FROM page p JOIN videos v ON v.id = p.id) x ON true),
{WITH_SHOWN}"""
FOLLOWED_PAGE_CHECKED = f"""
WITH page AS MATERIALIZED (
    SELECT id, published_at FROM (
        (SELECT c.id, c.published_at FROM user_follows uf CROSS JOIN LATERAL (
            SELECT c.id, c.published_at FROM videos c
            WHERE c.creator_id = uf.followee_id AND c.status = 'PUBLISHED'
              AND {before_cursor("c", "id", "$2", "$3")} AND {video_steered("c")}
            ORDER BY c.published_at DESC, c.id DESC LIMIT $4) c
         WHERE uf.follower_id = $1 AND {MODE} <> 'TRENDING'
           AND NOT {hidden_user("$1", "uf.followee_id")} AND {creator_steered("uf.followee_id")}
         ORDER BY c.published_at DESC, c.id DESC LIMIT $4)
        UNION
        (SELECT DISTINCT l.video_id, l.published_at FROM character_follows cf CROSS JOIN LATERAL (
            SELECT l.video_id, l.published_at FROM video_licenses l JOIN videos lv ON lv.id = l.video_id
            WHERE l.character_id = cf.character_id AND l.published_at IS NOT NULL
              AND {before_cursor("l", "video_id", "$2", "$3")} AND {shown("lv")}
            ORDER BY l.published_at DESC, l.video_id DESC LIMIT $4) l
         WHERE cf.user_id = $1 AND {MODE} <> 'TRENDING'
         ORDER BY l.published_at DESC, l.video_id DESC LIMIT $4)) followed
    ORDER BY published_at DESC, id DESC LIMIT $4),
listed AS MATERIALIZED (
    SELECT {LIST_COLUMNS}, row_number() OVER (ORDER BY p.published_at DESC, p.id DESC) AS n
    FROM page p JOIN videos v ON v.id = p.id),
{WITH_SHOWN}"""

# Trending ranks of the snapshot the cursor pinned (else the newest), in rank order; {only} narrows
# them. The page is picked before its LIST_COLUMNS are computed: planned over the rows that may pass
# the filter, the viewer's like would be read by hashing all of the viewer's likes instead of one
# index probe per row of the page.
RANKED = """
WITH page AS MATERIALIZED (
    SELECT t.video_id, t.generation, t.rank FROM trending_ranks t JOIN videos v ON v.id = t.video_id
    WHERE t.generation = (SELECT coalesce($2::bigint, max(generation)) FROM trending_snapshots)
      AND t.rank > coalesce($3, 0) AND v.status = 'PUBLISHED' AND {only}
    ORDER BY t.rank LIMIT $4),
listed AS MATERIALIZED (
    SELECT {columns}, p.generation, p.rank, row_number() OVER (ORDER BY p.rank) AS n
    FROM page p JOIN videos v ON v.id = p.video_id),
{with_shown}"""
# Trending part (not in FOLLOWING mode): in MIXED mode minus the followed videos (shown above it).
TRENDING_PAGE = RANKED.format(
    only=f"{shown('v')} AND {MODE} <> 'FOLLOWING' AND ($1::uuid IS NULL OR {MODE} = 'TRENDING' OR ({NOT_FOLLOWED}))",
    columns=LIST_COLUMNS,
    with_shown=WITH_SHOWN,
)


@dataclass(frozen=True)
class Page:
    """A page's rows, each with its cursor keys, and what its statements read of the creators and
    characters they show (when asked: `creators`, `characters`)."""

    rows: list[tuple[Listed, tuple[object, ...]]]
    shown: list[Shown]


async def _read(conn: asyncpg.Connection, sql: str, *args: object) -> tuple[list[asyncpg.Record], list[Shown]]:
    rows = await conn.fetch(sql, *args)
    return rows, [shown_of(rows[0])] if rows else []


async def feed(
    conn: asyncpg.Connection,
    *,
    viewer_id: UUID | None,
    followed_after: Keyset | None,
    trending_after: tuple[int, int] | None,
    limit: int,
    creators: bool = False,
    characters: bool = False,
) -> Page:
    """Up to `limit` rows, each with its cursor keys: ("f", published_at, id) or ("t", generation, rank)
    (as they are: api/pagination.py `encode_cursor` writes them out, for the rows whose cursor is asked for).

    The followed part comes first; the trending part is read only when the followed part cannot
    fill the page, so a full page is one statement.
    """
    page: list[tuple[Listed, tuple[object, ...]]] = []
    along: list[Shown] = []
    if trending_after is None and viewer_id is not None:
        published_at, last_id = _split(followed_after)
        args = (viewer_id, published_at, last_id, limit, creators, characters)
        rows, along = await _read(conn, FOLLOWED_PAGE, *args)
        if not rows[0]["complete"]:
            rows, along = await _read(conn, FOLLOWED_PAGE_CHECKED, *args)
        page = [(listed(r), ("f", r["published_at"], r["id"])) for r in rows if r["id"]]
    if len(page) < limit:
        generation, rank = trending_after if trending_after else (None, None)
        rows, more = await _read(
            conn, TRENDING_PAGE, viewer_id, generation, rank, limit - len(page), creators, characters
        )
        page += [(listed(r), ("t", r["generation"], r["rank"])) for r in rows]
        along += more
    return Page(page, along)


TRENDING = RANKED.format(only=shown("v"), columns=LIST_COLUMNS, with_shown=WITH_SHOWN)


async def trending(
    conn: asyncpg.Connection,
    *,
    viewer_id: UUID | None,
    after: tuple[int, int] | None,
    limit: int,
    creators: bool = False,
    characters: bool = False,
) -> Page:
    generation, rank = after if after else (None, None)
    rows, along = await _read(conn, TRENDING, viewer_id, generation, rank, limit, creators, characters)
    return Page([(listed(r), (r["generation"], r["rank"])) for r in rows], along)
