"""Benchmark of the home feed (issue 5, "Benchmark"): `python bench/feed.py [--videos 10000,1000000]`
from the repository root (`--help` for the knobs).

For each size, against a fresh database of its own (bench/common.py `bench_servers`):

1. A data set loaded with COPY (`copy_records_to_table`): users, holders, characters with policy v1,
   user and character follows, PUBLISHED videos (published_at spread over 30 days, media columns and
   like/comment/remix counts filled) with 1-2 licenses each, the viewer's likes; then VACUUM ANALYZE
   and a trending snapshot (`workers.trending.recompute`, its ranks vacuumed too). Triggers are off
   during the load (`session_replication_role = replica`; the generator only writes consistent rows,
   licenses with their video's published_at as migration 0010's triggers would keep it). VACUUM
   because a production table is vacuumed (autovacuum): its visibility map is set, so index-only
   scans answer from the index, where a freshly COPYed table would send each one to the heap; both
   servers read the same database, so neither side gains from it.
2. `feed(first: 20)` with the RICH_FEED selection of tests/api/social/test_feeds.py, as a signed-in
   viewer following ~50 creators and ~5 characters, who has blocked 20 users and has up to 50 see-less
   entries (20 creators, 20 characters, 10 terms: the "heavy viewer" of issue 15; as many characters
   as are not in the followed creators' videos, so the page stays the hand-written one's), through
   the real HTTP stack: `fanreel api` (uvicorn, one process, `api.app.create_app(settings)`),
   loaded by `wrk` (16 connections, 10 s).
3. Beside it, same run and database: a hand-written asyncpg + Starlette server (this file,
   `--serve-plain`, uvicorn the same way, one process) that authenticates the same bearer token and
   builds the same JSON for the same page in one SQL statement (json_agg), in two variants: `/feed`
   with efficient SQL (the trending branch is skipped when the followed part fills the page), the
   floor the budget is judged against, and `/feed-same-sql` with the SQL shape of
   db/queries/feed.py FEED (both branches always run), for information. Both variants read the
   followed part the way db/queries/feed.py FOLLOWED_PAGE does (from the viewer's follows, through
   indexes). asyncpg's prepared-statement cache is the only cache either side has. Each response is
   checked to carry the same data as the GraphQL one before measuring.

Prints requests/s, p50/p99 and the CPU per request of the server process and of PostgreSQL per
endpoint and size, GraphQL ÷ hand-written throughput (budget ≥ 0.25), GraphQL ÷ PostGraphile
throughput (budget ≥ 1.1) and GraphQL p50 at the largest size ÷ p50 at the smallest (budget ≤ 1.5),
PASS/FAIL per budget; exits 0 either way. `--py-spy DIR` records a py-spy profile of the GraphQL server during an
extra wrk run at each size and prints where the time goes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/

import argparse  # noqa: E402
import asyncio  # noqa: E402
import collections  # noqa: E402
import dataclasses  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import AsyncIterator, Iterator  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench.common import UNTHROTTLED, api_server, bench_servers, cpu_of, serving_child, verdict  # noqa: E402
from bench.graphile import QUERY as POSTGRAPHILE_QUERY  # noqa: E402
from bench.graphile import install_schema, postgraphile_server, video_uuid_of  # noqa: E402
from embedded import free_port  # noqa: E402
from settings import Settings  # noqa: E402

RATIO_BUDGET = 0.25  # GraphQL ÷ hand-written requests/s
POSTGRAPHILE_BUDGET = 1.1  # GraphQL ÷ PostGraphile 4 requests/s
GROWTH_BUDGET = 1.5  # GraphQL p50 at the largest size ÷ p50 at the smallest
PAGE = 20
CONNECTIONS = 16
CHUNK = 50_000  # records per COPY batch
THIS_FILE = str(Path(__file__).resolve())

RICH_FEED = """
query Feed($first: Int) {
  feed(first: $first) { edges { node {
    id prompt status likeCount commentCount remixCount viewerHasLiked createdAt
    creator { handle followerCount }
    characters { name holder { name } policy { version maxRating } }
    licenses { policyVersion revenueShareBps review }
    media { url }
  } } }
}
"""

# ------------------------------------------------------------------------------- the data set


@dataclass(frozen=True)
class DataSet:
    token: str
    viewer_id: uuid.UUID
    load_seconds: float
    counts: dict[str, int]


def vocabulary() -> tuple[list[str], list[float]]:
    """English words with Zipf weights (1/rank): prompts read like text, so search has realistic
    match counts (a common word in many videos, a rare one in few)."""
    import wordfreq

    words = [w for w in wordfreq.top_n_list("en", 6_000) if w.isalpha() and len(w) >= 3]
    return words, [1 / rank for rank in range(1, len(words) + 1)]


def _uuids(n: int, rng: random.Random) -> list[uuid.UUID]:
    return [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(n)]


async def _copy(conn: asyncpg.Connection, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    total = 0
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            await conn.copy_records_to_table(table, records=batch, columns=columns)
            total += len(batch)
            batch = []
    if batch:
        await conn.copy_records_to_table(table, records=batch, columns=columns)
        total += len(batch)
    return total


async def load_data_set(database_url: str, videos: int, *, seed: int = 5) -> DataSet:
    """Users, holders, characters, follows, videos, licenses, likes; VACUUM ANALYZE; a trending snapshot."""
    from workers.trending import recompute

    rng = random.Random(seed)
    started = time.monotonic()
    n_users = max(1_000, videos // 20)
    n_holders = max(10, min(200, videos // 2_000))
    n_characters = max(50, min(2_000, videos // 500))
    now = datetime.now(UTC)
    counts: dict[str, int] = {}
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET session_replication_role = replica")  # no FK triggers during the bulk load
        user_ids = _uuids(n_users, rng)
        viewer_id = user_ids[0]
        pw = "$argon2id$v=19$m=65536,t=3,p=4$bench$bench"
        counts["users"] = await _copy(
            conn,
            "users",
            [
                "id",
                "handle",
                "display_name",
                "email",
                "password_hash",
                "follower_count",
                "following_count",
                "created_at",
            ],
            (
                (
                    uid,
                    f"user_{i}",
                    f"User {i}",
                    f"user{i}@bench.example",
                    pw,
                    rng.randrange(0, 5_000),
                    rng.randrange(0, 500),
                    now - timedelta(days=60),
                )
                for i, uid in enumerate(user_ids)
            ),
        )
        holder_ids = _uuids(n_holders, rng)
        counts["holders"] = await _copy(
            conn,
            "holders",
            ["id", "name", "kind"],
            ((h, f"Studio {i}", "ORGANIZATION") for i, h in enumerate(holder_ids)),
        )
        character_ids = _uuids(n_characters, rng)
        character_holder = {c: holder_ids[i % n_holders] for i, c in enumerate(character_ids)}
        counts["characters"] = await _copy(
            conn,
            "characters",
            ["id", "holder_id", "name", "description", "kind", "follower_count"],
            (
                (
                    c,
                    character_holder[c],
                    f"Character {i}",
                    f"Bench character number {i}.",
                    "FICTIONAL",
                    rng.randrange(0, 10_000),
                )
                for i, c in enumerate(character_ids)
            ),
        )
        ratings = ("G", "PG", "PG13", "R")
        policy: dict[uuid.UUID, tuple[int, int]] = {}  # character -> (share bps, fee micros)
        for c in character_ids:
            policy[c] = (rng.choice((0, 500, 1_000, 2_500)), rng.choice((0, 10_000, 50_000)))
        counts["character_policies"] = await _copy(
            conn,
            "character_policies",
            [
                "character_id",
                "version",
                "audience",
                "requires_review",
                "allow_derivatives",
                "allow_crossovers",
                "max_rating",
                "max_duration_seconds",
                "attribution",
                "revenue_share_bps",
                "generation_fee_micros",
                "on_restrict",
            ],
            (
                (c, 1, "EVERYONE", False, True, True, rng.choice(ratings), 60, None, *policy[c], "KEEP")
                for c in character_ids
            ),
        )
        # The viewer follows ~50 creators and ~5 characters; everyone else follows a few users.
        followed_creators = rng.sample(user_ids[1:], 50)
        followed_characters = rng.sample(character_ids, 5)

        def user_follows() -> Iterator[tuple[Any, ...]]:
            for f in followed_creators:
                yield (viewer_id, f)
            seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
            for _ in range(n_users * 3):
                a, b = rng.choice(user_ids[1:]), rng.choice(user_ids)
                if a != b and (a, b) not in seen:
                    seen.add((a, b))
                    yield (a, b)

        counts["user_follows"] = await _copy(conn, "user_follows", ["follower_id", "followee_id"], user_follows())

        def character_follows() -> Iterator[tuple[Any, ...]]:
            for c in followed_characters:
                yield (c, viewer_id)
            seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
            for _ in range(n_users):
                pair = (rng.choice(character_ids), rng.choice(user_ids[1:]))
                if pair not in seen:
                    seen.add(pair)
                    yield pair

        counts["character_follows"] = await _copy(
            conn, "character_follows", ["character_id", "user_id"], character_follows()
        )

        video_columns = [
            "id",
            "creator_id",
            "prompt",
            "caption",
            "status",
            "aspect",
            "duration_seconds",
            "rating",
            "cost_micros",
            "base_price_micros",
            "attempts",
            "created_at",
            "updated_at",
            "published_at",
            "media_key",
            "thumbnail_key",
            "manifest_key",
            "content_type",
            "width",
            "height",
            "media_duration_seconds",
            "size_bytes",
            "sha256",
            "generator",
            "model",
            "like_count",
            "comment_count",
            "remix_count",
        ]
        license_columns = [
            "video_id",
            "character_id",
            "policy_version",
            "revenue_share_bps",
            "generation_fee_micros",
            "attribution",
            "review",
            "position",
            "published_at",
        ]
        aspects = ("PORTRAIT", "LANDSCAPE", "SQUARE")
        window = 30 * 24 * 3600
        words, weights = vocabulary()
        followed = set(followed_creators)
        # What the heavy viewer's see-less entries must not touch, so that the hand-written endpoint
        # (which does not apply them) still returns the same page: the followed creators' and followed
        # characters' videos.
        followed_numbers: set[int] = set()
        followed_video_characters: set[uuid.UUID] = set(followed_characters)
        followed_character_set = frozenset(followed_characters)
        followed_video_creators: set[uuid.UUID] = set()
        counts["videos"] = counts["video_licenses"] = counts["video_likes"] = 0
        done = 0
        while done < videos:
            n = min(CHUNK, videos - done)
            vids, lics, likes = [], [], []
            for vid in _uuids(n, rng):
                published = now - timedelta(seconds=rng.random() * window + 60)
                created = published - timedelta(minutes=5)
                duration = rng.randrange(3, 16)
                key = f"videos/{vid}"
                creator = rng.choice(user_ids)
                characters = rng.sample(character_ids, rng.choice((1, 1, 2)))
                if creator in followed or not followed_character_set.isdisjoint(characters):
                    followed_numbers.add(done)
                    followed_video_characters.update(characters)
                    followed_video_creators.add(creator)
                vids.append(
                    (
                        vid,
                        creator,
                        f"{' '.join(rng.choices(words, weights, k=8))}, scene {done}",
                        f"#{rng.choice(words[:500])}" if rng.random() < 0.1 else None,
                        "PUBLISHED",
                        rng.choice(aspects),
                        duration,
                        rng.choice(ratings),
                        20_000,
                        10_000,
                        1,
                        created,
                        published,
                        published,
                        f"{key}/video.mp4",
                        f"{key}/thumb.jpg",
                        f"{key}/manifest.json",
                        "video/mp4",
                        720,
                        1280,
                        float(duration),
                        rng.randrange(200_000, 5_000_000),
                        hashlib.sha256(vid.bytes).hexdigest(),
                        "bench",
                        "bench-model",
                        int(rng.paretovariate(1.2)) - 1,
                        int(rng.paretovariate(1.5)) - 1,
                        int(rng.paretovariate(2.0)) - 1,
                    )
                )
                for position, c in enumerate(characters, start=1):
                    lics.append((vid, c, 1, *policy[c], None, "NOT_REQUIRED", position, published))
                if rng.random() < 0.05:
                    likes.append((vid, viewer_id))
                done += 1
            await conn.copy_records_to_table("videos", records=vids, columns=video_columns)
            await conn.copy_records_to_table("video_licenses", records=lics, columns=license_columns)
            await conn.copy_records_to_table("video_likes", records=likes, columns=["video_id", "user_id"])
            counts["videos"] += len(vids)
            counts["video_licenses"] += len(lics)
            counts["video_likes"] += len(likes)
        await conn.execute("SET session_replication_role = origin")
        token = secrets.token_urlsafe(32)
        await conn.execute(
            "INSERT INTO auth_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 day')",
            hashlib.sha256(token.encode()).digest(),
            viewer_id,
        )
        # The heavy viewer (issue 15): 20 blocks and 50 see-less entries (20 creators, 20 characters,
        # 10 terms), none touching the followed creators' videos (see followed_numbers above).
        others = [u for u in user_ids[1:] if u not in followed and u not in followed_video_creators]
        blocked = rng.sample(others, 40)
        await conn.executemany(
            "INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)", [(viewer_id, u) for u in blocked[:20]]
        )
        await conn.executemany(
            "INSERT INTO see_less (user_id, kind, subject_id) VALUES ($1, 'CREATOR', $2)",
            [(viewer_id, u) for u in blocked[20:]],
        )
        spare = [c for c in character_ids if c not in followed_video_characters]
        await conn.executemany(
            "INSERT INTO see_less (user_id, kind, subject_id) VALUES ($1, 'CHARACTER', $2)",
            [(viewer_id, c) for c in rng.sample(spare, min(20, len(spare)))],
        )
        numbers = rng.sample([n for n in range(min(videos, 100_000)) if n not in followed_numbers], 10)
        await conn.executemany(
            "INSERT INTO see_less (user_id, kind, term, query)"
            " VALUES ($1, 'TERM', $2, phraseto_tsquery('english', $2))",
            [(viewer_id, f"scene {n}") for n in numbers],
        )
        counts["user_blocks"] = await conn.fetchval("SELECT count(*) FROM user_blocks")
        counts["see_less"] = await conn.fetchval("SELECT count(*) FROM see_less")
        # Vacuumed as autovacuum keeps a production table: visibility map set (index-only scans
        # answer from the index), statistics fresh. Both servers read this same database.
        await conn.execute("VACUUM ANALYZE")
        await recompute(conn)
        await conn.execute("VACUUM ANALYZE trending_ranks")
    finally:
        await conn.close()
    return DataSet(token, viewer_id, time.monotonic() - started, counts)


# ------------------------------------------------------------------------- hand-written endpoint

# Hand-written endpoint, one statement each: the viewer from the token hash ($1), the page of
# db/queries/feed.py FEED (the followed part newest first, then trending ones not followed) and the
# RICH_FEED JSON; $2 is the storage's public base URL, $3 the page size. Two variants of the page:
# SAME_SHAPE_PAGE is the earlier one-statement feed SQL (both branches always run); EFFICIENT_PAGE skips the trending
# branch (a one-time filter) when the followed part already fills the page, as a hand-written
# endpoint would. The efficient one is the floor the budget is judged against.
VIEWER = "SELECT user_id AS id FROM auth_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()"
FOLLOWED_SQL = """(
    v.creator_id IN (SELECT followee_id FROM user_follows WHERE follower_id = (SELECT id FROM viewer))
    OR v.id IN (SELECT l.video_id FROM video_licenses l JOIN character_follows cf
                ON cf.character_id = l.character_id AND cf.user_id = (SELECT id FROM viewer)))"""
# The followed part the way db/queries/feed.py FOLLOWED_PAGE reads it (the best shape known): from the
# viewer's follows, a page of each followed creator's and character's newest videos through an index.
FOLLOWED_PART = """
    SELECT v.*, 0 AS part, v.published_at AS published_key, NULL::integer AS rank
    FROM videos v
    WHERE v.id IN (SELECT id FROM (
        (SELECT c.id, c.published_at FROM user_follows uf CROSS JOIN LATERAL (
            SELECT c.id, c.published_at FROM videos c WHERE c.creator_id = uf.followee_id AND c.status = 'PUBLISHED'
            ORDER BY c.published_at DESC, c.id DESC LIMIT $3) c
         WHERE uf.follower_id = (SELECT id FROM viewer)
         ORDER BY c.published_at DESC, c.id DESC LIMIT $3)
        UNION
        (SELECT DISTINCT l.video_id, l.published_at FROM character_follows cf CROSS JOIN LATERAL (
            SELECT l.video_id, l.published_at FROM video_licenses l
            WHERE l.character_id = cf.character_id AND l.published_at IS NOT NULL
            ORDER BY l.published_at DESC, l.video_id DESC LIMIT $3) l
         WHERE cf.user_id = (SELECT id FROM viewer)
         ORDER BY l.published_at DESC, l.video_id DESC LIMIT $3)) followed
      ORDER BY published_at DESC, id DESC LIMIT $3)
    ORDER BY v.published_at DESC, v.id DESC LIMIT $3"""
TRENDING_PART = f"""
    SELECT v.*, 1, NULL, t.rank
    FROM trending_ranks t JOIN videos v ON v.id = t.video_id
    WHERE {{gate}} t.generation = (SELECT max(generation) FROM trending_snapshots) AND v.status = 'PUBLISHED'
      AND NOT ((SELECT id FROM viewer) IS NOT NULL AND {FOLLOWED_SQL})
    ORDER BY t.rank LIMIT $3"""
SAME_SHAPE_PAGE = f"""
viewer AS ({VIEWER}),
page AS (({FOLLOWED_PART}) UNION ALL ({TRENDING_PART.format(gate="")}))"""
EFFICIENT_PAGE = f"""
viewer AS ({VIEWER}),
followed AS MATERIALIZED ({FOLLOWED_PART}),
page AS (SELECT * FROM followed UNION ALL ({TRENDING_PART.format(gate="(SELECT count(*) FROM followed) < $3 AND")}))"""
PLAIN_JSON = """
WITH {page},
top AS (SELECT * FROM page ORDER BY part, published_key DESC, rank, id DESC LIMIT $3)
SELECT json_build_object('data', json_build_object('feed', json_build_object('edges', coalesce(json_agg(
  json_build_object('node', json_build_object(
    'id', rtrim(translate(encode(convert_to('Video:' || p.id, 'UTF8'), 'base64'), '+/', '-_'), '='),
    'prompt', p.prompt, 'status', p.status, 'likeCount', p.like_count, 'commentCount', p.comment_count,
    'remixCount', p.remix_count,
    'viewerHasLiked', EXISTS (SELECT 1 FROM video_likes k
                              WHERE k.video_id = p.id AND k.user_id = (SELECT id FROM viewer)),
    'createdAt', p.created_at,
    'creator', (SELECT json_build_object('handle', u.handle, 'followerCount', u.follower_count)
                FROM users u WHERE u.id = p.creator_id),
    'characters', coalesce((SELECT json_agg(json_build_object(
        'name', c.name, 'holder', json_build_object('name', h.name),
        'policy', (SELECT json_build_object('version', cp.version, 'maxRating', cp.max_rating)
                   FROM character_policies cp WHERE cp.character_id = c.id ORDER BY cp.version DESC LIMIT 1))
        ORDER BY l.position)
      FROM video_licenses l JOIN characters c ON c.id = l.character_id JOIN holders h ON h.id = c.holder_id
      WHERE l.video_id = p.id), '[]'),
    'licenses', coalesce((SELECT json_agg(json_build_object(
        'policyVersion', l.policy_version, 'revenueShareBps', l.revenue_share_bps, 'review', l.review)
        ORDER BY l.position) FROM video_licenses l WHERE l.video_id = p.id), '[]'),
    'media', CASE WHEN p.media_key IS NULL THEN NULL ELSE json_build_object('url', $2 || '/media/' || p.media_key) END
  )) ORDER BY p.part, p.published_key DESC, p.rank, p.id DESC), '[]'))))::text
FROM top p
"""
PLAIN_FEED = PLAIN_JSON.format(page=EFFICIENT_PAGE)
PLAIN_FEED_SAME_SHAPE = PLAIN_JSON.format(page=SAME_SHAPE_PAGE)
PLAIN_ROUTES = {"/feed": PLAIN_FEED, "/feed-same-sql": PLAIN_FEED_SAME_SHAPE}


def plain_app(database_url: str, public_base_url: str) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from api.auth import bearer_token
    from api.runtime import tune_gc
    from db.pool import create_pool

    state: dict[str, asyncpg.Pool] = {}
    base = public_base_url.rstrip("/")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await create_pool(database_url)  # the API's pool, same sizes
        tune_gc()  # as the API's lifespan does
        yield
        await state["pool"].close()

    def endpoint(sql: str) -> Any:
        async def feed(request: Request) -> Response:
            body = await request.json()
            first = int((body.get("variables") or {}).get("first") or PAGE)
            token = bearer_token(request.headers.get("authorization")) or ""
            digest = hashlib.sha256(token.encode()).digest()
            async with state["pool"].acquire() as conn:
                payload = await conn.fetchval(sql, digest, base, first)
            return Response(payload, media_type="application/json")

        return feed

    async def readyz(request: Request) -> Response:
        return Response("{}", media_type="application/json")

    routes = [Route(path, endpoint(sql), methods=["POST"]) for path, sql in PLAIN_ROUTES.items()]
    return Starlette(routes=[*routes, Route("/readyz", readyz)], lifespan=lifespan)


def serve_plain(port: int) -> None:
    """Body of the hand-written server child: uvicorn as `fanreel api` runs it (cli.run_api)."""
    import uvicorn

    settings = Settings()
    assert settings.database_url
    app = plain_app(settings.database_url, settings.public_base_url)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level=settings.log_level.lower())


@asynccontextmanager
async def plain_server(settings: Settings, *, ready_within: float = 30.0) -> AsyncIterator[tuple[str, int]]:
    port = free_port()
    args = [THIS_FILE, "--serve-plain", str(port)]
    async with serving_child(args, settings, port, "the hand-written server", ready_within) as served:
        yield served


# --------------------------------------------------------------------------------------- wrk


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str
    # CPU milliseconds per request of the server process and of the database's backends during
    # the run (Linux /proc): steadier than requests/s on a machine that runs other work too.
    server_cpu_ms: float | None = None
    database_cpu_ms: float | None = None

    def line(self) -> str:
        extra = f"  ({self.errors})" if self.errors else ""
        latency = f"p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms"
        cpu = ""
        if self.server_cpu_ms is not None and self.database_cpu_ms is not None:
            cpu = f"  CPU/request: server {self.server_cpu_ms:.2f} ms + PostgreSQL {self.database_cpu_ms:.2f} ms"
        return f"{self.rps:8.1f} req/s  {latency}  [{self.requests} requests]{cpu}{extra}"


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk_script(body: str, token: str) -> str:
    path = Path(tempfile.mkstemp(prefix="fanreel-feed-", suffix=".lua")[1])
    path.write_text(
        f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    return str(path)


def run_wrk(url: str, script: str, seconds: float, threads: int) -> WrkResult:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    out = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{CONNECTIONS}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            script,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = ", ".join(
        m.group(0).strip() for m in re.finditer(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    )
    if total == 0:  # nothing finished within the run: latency unknown but longer than the run
        p50 = p99 = float("inf")
    return WrkResult(rps, p50, p99, total, errors)


# ----------------------------------------------------------------------------------- profile


AREAS = (
    ("graphql-core validation", ("graphql/validation",)),
    ("graphql-core parsing", ("graphql/language",)),
    ("graphql-core execution", ("graphql/execution", "graphql/pyutils", "graphql/type")),
    ("strawberry", ("strawberry/",)),
    ("fanreel api/", ("/api/",)),
    ("fanreel db/", ("/db/",)),
    ("asyncpg", ("asyncpg/",)),
    ("uvicorn / h11 / httptools", ("uvicorn/", "h11/", "httptools/")),
    ("starlette", ("starlette/",)),
    ("asyncio / uvloop event loop", ("asyncio/", "uvloop/")),
    ("json", ("json/",)),
)


def summarise_profile(raw: Path, top: int = 15) -> list[str]:
    """Where the time goes, from py-spy's raw (collapsed) stacks: areas by inclusive share
    (a stack counts for the innermost matching area first in AREAS order... simplified: the
    first area of AREAS any frame matches), and functions by self time."""
    area_samples: collections.Counter[str] = collections.Counter()
    self_samples: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        leaf = frames[-1]
        self_samples[_short(leaf)] += count
        for frame in set(_short(f) for f in frames):
            inclusive[frame] += count
        # attribute the sample to the innermost frame that belongs to a known area
        area = "other"
        for frame in reversed(frames):
            found = next((name for name, needles in AREAS if any(n in frame for n in needles)), None)
            if found:
                area = found
                break
        area_samples[area] += count
    if not total:
        return ["(no samples)"]
    lines = [f"{total} samples; by area of the innermost known frame (self time):"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in area_samples.most_common()]
    lines.append("top functions by self time:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in self_samples.most_common(top)]
    lines.append("selected inclusive shares:")
    for needle in (
        "CachedDocuments",
        "validate (graphql",
        "parse (graphql",
        "get_context",
        "resolve_field",
        "complete_value",
        "load_fn",
        "feed (api/feed/queries.py",
        "fetch",
        "process_errors",
        "encode_json",
    ):
        best = max(((n, f) for f, n in inclusive.items() if needle in f), default=None)
        if best:
            lines.append(f"  {100 * best[0] / total:5.1f}%  {best[1]}")
    return lines


def _short(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:line)"; drop the line and the site-packages prefix
    frame = re.sub(r":\d+\)$", ")", frame)
    return re.sub(r"\(.*?site-packages/", "(", frame)


def py_spy_record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "250",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


# -------------------------------------------------------------------------------------- main


async def database_timings(database_url: str, data: DataSet, base_url: str, plan_file: Path) -> None:
    """Milliseconds per statement straight from asyncpg (median of 5 after a warm-up), and the
    product FEED's EXPLAIN ANALYZE (written to `plan_file`): how much of a request is the database."""
    from db.queries import feed

    conn = await asyncpg.connect(database_url)
    try:
        digest = hashlib.sha256(data.token.encode()).digest()
        cases = {
            "product feed() (db/queries/feed.py)": lambda: feed.feed(
                conn,
                viewer_id=data.viewer_id,
                followed_after=None,
                trending_after=None,
                limit=PAGE + 1,
                creators=True,
                characters=True,
            ),
            "hand-written, efficient SQL": lambda: conn.fetchval(PLAIN_FEED, digest, base_url, PAGE),
            "hand-written, the earlier one-statement feed SQL": lambda: conn.fetchval(
                PLAIN_FEED_SAME_SHAPE, digest, base_url, PAGE
            ),
        }
        for label, call in cases.items():
            samples = []
            for _ in range(6):
                started = time.perf_counter()
                await call()
                samples.append((time.perf_counter() - started) * 1000)
            print(f"  SQL alone, {label:42s} median {sorted(samples[1:])[2]:8.2f} ms", flush=True)
        plan = await conn.fetch(
            "EXPLAIN (ANALYZE, BUFFERS) " + feed.FOLLOWED_PAGE, data.viewer_id, None, None, PAGE + 1, True, True
        )
        text = "\n".join(r[0] for r in plan) + "\n"
        await asyncio.to_thread(plan_file.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(plan_file.write_text, text)
        print(f"  EXPLAIN ANALYZE of FOLLOWED_PAGE in {plan_file}: {plan[-1][0]}", flush=True)
    finally:
        await conn.close()


async def wait_idle(database_url: str, within: float = 90.0) -> None:
    """Wait until no other statement runs in this database: the requests a wrk run left in flight
    (the servers finish them after wrk closes its connections) must not weigh on the next run."""
    conn = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            busy = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            if not busy:
                return
            await asyncio.sleep(0.2)
        print(f"  (the database was still busy {within:.0f} s after the run)", flush=True)
    finally:
        await conn.close()


@dataclass
class SizeResult:
    videos: int
    load_seconds: float
    rounds: list[dict[str, WrkResult]]  # per round, per endpoint name (ENDPOINTS)
    same_data: bool

    def median(self, name: str) -> WrkResult:
        """The endpoint's round of median throughput."""
        ordered = sorted((r[name] for r in self.rounds), key=lambda w: w.rps)
        return ordered[len(ordered) // 2]

    def ratios(self, name: str, baseline: str) -> list[float]:
        """GraphQL ÷ `baseline` requests/s per round (measured minutes apart at most)."""
        return [r[name].rps / r[baseline].rps if r[baseline].rps else float("nan") for r in self.rounds]


ENDPOINTS = (
    ("graphql", "/graphql", "GraphQL (fanreel api)"),
    ("postgraphile", "/graphql", "PostGraphile 4"),
    ("plain", "/feed", "hand-written, efficient SQL"),
    ("same_sql", "/feed-same-sql", "hand-written, the earlier one-statement feed SQL"),
)


def _normalise(payload: dict[str, Any]) -> Any:
    """RICH_FEED data with createdAt as an instant (PostgreSQL trims trailing zeros of microseconds)."""
    edges = payload["data"]["feed"]["edges"]
    for edge in edges:
        edge["node"]["createdAt"] = datetime.fromisoformat(edge["node"]["createdAt"]).timestamp()
        edge["node"]["id"] = video_uuid_of(edge["node"]["id"])  # PostGraphile's nodeId is another encoding
    return edges


async def measure_size(args: argparse.Namespace, videos: int) -> SizeResult:
    async with bench_servers("feed") as servers:
        print(f"\n== {videos:,} videos ==", flush=True)
        data = await load_data_set(servers.database_url, videos)
        print(
            f"loaded in {data.load_seconds:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in data.counts.items()),
            flush=True,
        )
        settings = Settings(
            database_url=servers.database_url, redis_url=servers.redis_url, log_level=args.log_level, **UNTHROTTLED
        )
        out_dir = Path(args.py_spy or tempfile.gettempdir())
        await database_timings(
            servers.database_url, data, settings.public_base_url.rstrip("/"), out_dir / f"feed-plan-{videos}.txt"
        )
        await install_postgraphile_schema(servers.database_url, settings.public_base_url.rstrip("/"))
        body = json.dumps({"query": RICH_FEED, "variables": {"first": PAGE}})
        pg_body = json.dumps({"query": POSTGRAPHILE_QUERY, "variables": {"first": PAGE}})
        script, pg_script = wrk_script(body, data.token), wrk_script(pg_body, data.token)
        scripts = {name: pg_script if name == "postgraphile" else script for name, _, _ in ENDPOINTS}
        try:
            async with (
                api_server(settings) as (gql_url, gql_pid),
                plain_server(settings) as (plain_url, plain_pid),
                postgraphile_server(servers.database_url) as (pg_url, pg_pid),
            ):
                pids = {"graphql": gql_pid, "postgraphile": pg_pid, "plain": plain_pid, "same_sql": plain_pid}
                bases = {"graphql": gql_url, "postgraphile": pg_url}
                urls = {name: bases.get(name, plain_url) + path for name, path, _ in ENDPOINTS}
                headers = {"Authorization": f"Bearer {data.token}", "Content-Type": "application/json"}
                async with httpx.AsyncClient(timeout=60) as client:
                    answers = {
                        name: (
                            await client.post(url, content=scripts_body(name, body, pg_body), headers=headers)
                        ).json()
                        for name, url in urls.items()
                    }
                for name in ("graphql", "postgraphile"):
                    assert "errors" not in answers[name], (name, answers[name].get("errors"))
                expected = _normalise(answers["graphql"])
                same = all(_normalise(answers[name]) == expected for name in ("plain", "same_sql", "postgraphile"))
                count = sum(1 for e in answers["graphql"]["data"]["feed"]["edges"])
                print(
                    f"page: {count} videos, {len(json.dumps(answers['graphql']))} bytes of JSON; "
                    f"the hand-written endpoints and PostGraphile return the same data: {same}",
                    flush=True,
                )
                rounds: list[dict[str, WrkResult]] = []
                for round_number in range(1, args.rounds + 1):  # interleaved: each round measures every server
                    rounds.append({})
                    for name, _, label in ENDPOINTS:
                        rounds[-1][name] = await measure_endpoint(
                            servers.database_url, urls[name], scripts[name], args, pids[name]
                        )
                        print(f"round {round_number}: {label:32s} {rounds[-1][name].line()}", flush=True)
                if args.py_spy:
                    out = Path(args.py_spy) / f"feed-graphql-{videos}.txt"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    await wait_idle(servers.database_url)
                    spy = py_spy_record(gql_pid, args.seconds, out)
                    await asyncio.sleep(0.5)
                    run_wrk(urls["graphql"], scripts["graphql"], args.seconds, args.threads)
                    _, err = await asyncio.to_thread(spy.communicate)
                    if out.exists():
                        print(f"profile of the GraphQL server ({out}):")
                        print("\n".join("  " + line for line in summarise_profile(out)), flush=True)
                    else:
                        print(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
        finally:
            os.unlink(script)
            os.unlink(pg_script)
        return SizeResult(videos, data.load_seconds, rounds, same)


def scripts_body(name: str, body: str, pg_body: str) -> str:
    return pg_body if name == "postgraphile" else body


async def measure_endpoint(
    database_url: str, url: str, script: str, args: argparse.Namespace, server_pid: int
) -> WrkResult:
    """A warm-up, then a measured wrk run (longer when too few requests finished for percentiles),
    with the CPU the server and the database spent on it."""
    await wait_idle(database_url)
    run_wrk(url, script, args.warmup, args.threads)
    seconds = args.seconds
    while True:
        await wait_idle(database_url)
        async with cpu_of(database_url, [server_pid]) as spent:
            result = run_wrk(url, script, seconds, args.threads)
            await wait_idle(database_url)
        server, database = spent
        if result.requests >= 2 * CONNECTIONS or seconds > args.seconds:
            break
        seconds = 3 * args.seconds
    per_request = 1000 / max(result.requests, 1)
    return dataclasses.replace(result, server_cpu_ms=server * per_request, database_cpu_ms=database * per_request)


async def install_postgraphile_schema(database_url: str, base_url: str) -> None:
    """PostGraphile's `bench_pg` schema with the page SQL of the efficient hand-written endpoint."""
    page = EFFICIENT_PAGE.replace(VIEWER, "SELECT bench_pg.viewer_id() AS id").replace("$3", "page_size")
    conn = await asyncpg.connect(database_url)
    try:
        await install_schema(conn, page, base_url)
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.videos.split(",")]
    results = [await measure_size(args, n) for n in sizes]
    print("\n== summary ==")
    for r in results:
        print(
            f"{r.videos:,} videos (loaded in {r.load_seconds:.1f} s; same data: {r.same_data}; round of median req/s)"
        )
        for name, _, label in ENDPOINTS:
            print(f"  {label:32s} {r.median(name).line()}")
        cpu = [
            (x["postgraphile"].server_cpu_ms + x["postgraphile"].database_cpu_ms)
            / (x["graphql"].server_cpu_ms + x["graphql"].database_cpu_ms)
            for x in r.rounds
            if x["graphql"].server_cpu_ms and x["postgraphile"].server_cpu_ms is not None
        ]
        if cpu:
            each = ", ".join(f"{x:.3f}" for x in cpu)
            print(
                f"  PostGraphile ÷ GraphQL CPU per request (server + PostgreSQL) {statistics.median(cpu):.3f} "
                f"(median of rounds {each}; for information: above 1, GraphQL spends less)"
            )
        same_sql = statistics.median(r.ratios("graphql", "same_sql"))
        print(f"  GraphQL ÷ hand-written (earlier one-statement feed SQL) throughput {same_sql:.3f} (for information)")
        for baseline, label, budget in (
            ("plain", "hand-written", RATIO_BUDGET),
            ("postgraphile", "PostGraphile 4", POSTGRAPHILE_BUDGET),
        ):
            ratios = r.ratios("graphql", baseline)
            each = ", ".join(f"{x:.3f}" for x in ratios)
            median = statistics.median(ratios)
            print(
                verdict(
                    median >= budget,
                    f"{r.videos:,} videos: GraphQL ÷ {label} throughput {median:.3f} "
                    f"(median of rounds {each}; budget ≥ {budget})",
                )
            )
    if len(results) > 1:
        small, large = results[0], results[-1]
        growth = large.median("graphql").p50_ms / small.median("graphql").p50_ms
        print(
            verdict(
                growth <= GROWTH_BUDGET,
                f"GraphQL p50 at {large.videos:,} ÷ p50 at {small.videos:,} videos "
                f"{growth:.2f} (budget ≤ {GROWTH_BUDGET})",
            )
        )
        others = ", ".join(
            f"{label} {large.median(name).p50_ms / small.median(name).p50_ms:.2f}"
            for name, _, label in ENDPOINTS
            if name != "graphql"
        )
        print(f"(p50 growth of the others for comparison: {others})")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", default="10000,1000000", help="comma-separated data set sizes (videos)")
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk duration per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="wrk warm-up before each measurement")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (each measures every server)")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of both servers (INFO logs every request)")
    parser.add_argument("--py-spy", metavar="DIR", help="record a py-spy profile of the GraphQL server per size")
    parser.add_argument("--serve-plain", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_plain:
        serve_plain(arguments.serve_plain)
    else:
        asyncio.run(main(arguments))
