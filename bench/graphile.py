"""PostGraphile 4 beside fanreel in bench/feed.py (issue 17): the same feed page, from the same
database, as PostGraphile's users would serve it.

Its users write the feed as a SQL function and the extra fields as computed columns, in a schema
they expose. Here that schema is `bench_pg`, created by the bench in its own throwaway database
(never by a product migration): views over the product tables (PostGraphile reads a view's keys
from smart comments), `bench_pg.feed(page_size)` with the page SQL of the hand-written endpoint
(the viewer from the bearer token that `bench/postgraphile/server.js` puts into the
`fanreel.token` setting, looked up in auth_tokens as fanreel does), and computed columns for
viewerHasLiked, characters (in license order) with each character's current policy, licenses and
media. The server is PostGraphile's own middleware in one Node process (`npm install` under
bench/postgraphile, as `make bench` does when node_modules is missing).
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx

from embedded import free_port

HERE = Path(__file__).resolve().parent / "postgraphile"

# The RICH_FEED selection in PostGraphile's names; aliases give the response fanreel's shape.
QUERY = """
query Feed($first: Int) {
  feed(pageSize: $first, first: $first) { edges { node {
    id: nodeId prompt status likeCount commentCount remixCount viewerHasLiked createdAt
    creator: userByCreatorId { handle followerCount }
    characters: charactersList { name holder: holderByHolderId { name } policy { version maxRating } }
    licenses: licensesList { policyVersion revenueShareBps review }
    media { url }
  } } }
}
"""

VIEWS = {
    # view: (columns, smart comment)
    "videos": ("*", "@primaryKey id\n@foreignKey (creator_id) references bench_pg.users (id)"),
    "users": ("id, handle, display_name, follower_count, following_count, created_at", "@primaryKey id"),
    "holders": ("*", "@primaryKey id"),
    "characters": ("*", "@primaryKey id\n@foreignKey (holder_id) references bench_pg.holders (id)"),
    "character_policies": (
        "*",
        "@primaryKey character_id,version\n@foreignKey (character_id) references bench_pg.characters (id)",
    ),
    "video_licenses": (
        "*",
        "@primaryKey video_id,character_id\n@foreignKey (video_id) references bench_pg.videos (id)\n"
        "@foreignKey (character_id) references bench_pg.characters (id)",
    ),
}

FUNCTIONS = """
CREATE FUNCTION bench_pg.viewer_id() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT user_id FROM public.auth_tokens
  WHERE token_hash = sha256(convert_to(current_setting('fanreel.token', true), 'UTF8'))
    AND revoked_at IS NULL AND expires_at > now()
$$;
COMMENT ON FUNCTION bench_pg.viewer_id() IS '@omit';

CREATE FUNCTION bench_pg.videos_viewer_has_liked(v bench_pg.videos) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM public.video_likes k WHERE k.video_id = v.id AND k.user_id = bench_pg.viewer_id())
$$;

CREATE FUNCTION bench_pg.videos_characters(v bench_pg.videos) RETURNS SETOF bench_pg.characters
LANGUAGE sql STABLE AS $$
  SELECT c.* FROM public.video_licenses l JOIN bench_pg.characters c ON c.id = l.character_id
  WHERE l.video_id = v.id ORDER BY l.position
$$;

CREATE FUNCTION bench_pg.videos_licenses(v bench_pg.videos) RETURNS SETOF bench_pg.video_licenses
LANGUAGE sql STABLE AS $$
  SELECT * FROM bench_pg.video_licenses l WHERE l.video_id = v.id ORDER BY l.position
$$;

CREATE FUNCTION bench_pg.characters_policy(c bench_pg.characters) RETURNS bench_pg.character_policies
LANGUAGE sql STABLE AS $$
  SELECT * FROM bench_pg.character_policies p WHERE p.character_id = c.id ORDER BY p.version DESC LIMIT 1
$$;

CREATE TYPE bench_pg.video_media AS (url text);
CREATE FUNCTION bench_pg.videos_media(v bench_pg.videos) RETURNS bench_pg.video_media LANGUAGE sql STABLE AS $$
  SELECT ROW({base_url} || '/media/' || v.media_key)::bench_pg.video_media WHERE v.media_key IS NOT NULL
$$;

CREATE FUNCTION bench_pg.feed(page_size integer DEFAULT 20) RETURNS SETOF bench_pg.videos
LANGUAGE sql STABLE AS $$
  WITH {page},
  top AS (SELECT id, part, published_key, rank FROM page ORDER BY part, published_key DESC, rank, id DESC
          LIMIT page_size)
  SELECT v.* FROM top JOIN bench_pg.videos v ON v.id = top.id
  ORDER BY top.part, top.published_key DESC, top.rank, top.id DESC
$$;
"""


async def install_schema(conn: asyncpg.Connection, page_sql: str, base_url: str) -> None:
    """Create `bench_pg` in the bench's database. `page_sql`: the hand-written endpoint's CTEs
    (`viewer AS (...), ..., page AS (...)`) with the viewer's CTE already `bench_pg.viewer_id()`
    and `page_size` for the page size."""
    statements = ["CREATE SCHEMA bench_pg"]
    for name, (columns, comment) in VIEWS.items():
        statements.append(f"CREATE VIEW bench_pg.{name} AS SELECT {columns} FROM public.{name}")
        statements.append(f"COMMENT ON VIEW bench_pg.{name} IS {_literal(comment)}")
    functions = FUNCTIONS.replace("{base_url}", _literal(base_url)).replace("{page}", page_sql)
    async with conn.transaction():
        for statement in statements:
            await conn.execute(statement)
        await conn.execute(functions)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ensure_installed() -> None:
    """`npm ci` under bench/postgraphile when its node_modules is missing (as `make bench` does)."""
    if (HERE / "node_modules" / "postgraphile").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found: PostGraphile needs Node.js and npm (apt-get install -y nodejs npm)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)], check=True)


@asynccontextmanager
async def postgraphile_server(database_url: str, *, ready_within: float = 60.0) -> AsyncIterator[tuple[str, int]]:
    """PostGraphile on a free port; yields (base URL, pid) once it has built its schema and answers."""
    await asyncio.to_thread(ensure_installed)
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node not found: PostGraphile needs Node.js")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    child = _start([node, str(HERE / "server.js"), str(port), database_url])
    try:
        deadline = asyncio.get_running_loop().time() + ready_within
        async with httpx.AsyncClient(base_url=base_url, timeout=ready_within) as client:
            while True:
                if child.poll() is not None:
                    raise RuntimeError(f"PostGraphile exited with code {child.returncode}")
                try:
                    # the first GraphQL answer waits for the schema: ready only then
                    answer = await client.post("/graphql", json={"query": "{ __typename }"})
                    if answer.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"PostGraphile was not ready within {ready_within} s")
                await asyncio.sleep(0.2)
        yield base_url, child.pid
    finally:
        child.terminate()
        try:
            await asyncio.to_thread(child.wait, 15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=HERE)


def video_uuid_of(node_id: str) -> str:
    """The uuid in a PostGraphile nodeId (base64 of `["Video", "<uuid>"]`) or a fanreel Relay id
    (base64url of `Video:<uuid>`)."""
    raw = base64.urlsafe_b64decode(node_id.replace("+", "-").replace("/", "_") + "=" * (-len(node_id) % 4)).decode()
    if raw.startswith("["):
        return str(json.loads(raw)[1])
    return raw.partition(":")[2]
