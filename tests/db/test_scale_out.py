"""The scale-out plan (db/distribution.py, README "Scale-out") holds for the statements the hot
paths really send: createRemix and its generation, publishing, the feed page, recordViews and
crediting run through the GraphQL endpoint and a real worker while every statement is captured
with its arguments; PostgreSQL's own EXPLAIN then names the tables each one reads and writes, and
none may need a join across shards under the plan (see `db.distribution.cross_shard_problems`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from asyncpg.connection import Connection

from db import distribution
from db.ledger_cli import grant
from settings import Settings
from tests.api.social.test_feeds import FOLLOW, FOLLOW_CHARACTER, RICH_FEED
from tests.helpers import CREATE_REMIX, PUBLISH_VIDEO, GraphQLClient, create_character, create_holder, create_user
from workers.settings import worker_settings
from workers.worker import Worker

pytestmark = pytest.mark.usefixtures("clean_state")
RECORD = "mutation($input: [ViewInput!]!) { recordViews(input: $input) { accepted qualified userErrors { code } } }"
EXPLAINABLE = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")


@dataclass
class Statement:
    path: str  # the hot path that sent it
    sql: str
    args: tuple[Any, ...]


@contextmanager
def capturing(into: list[Statement], path: list[str]) -> Iterator[None]:
    """Every statement sent through asyncpg (with its arguments), labelled with the current path."""
    original_execute, original_query = Connection._execute, Connection.execute

    async def _execute(self: Connection, query: str, args: Any, *rest: Any, **kwargs: Any) -> Any:
        into.append(Statement(path[0], query, tuple(args)))
        return await original_execute(self, query, args, *rest, **kwargs)

    async def execute(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:
            into.append(Statement(path[0], query, ()))
        return await original_query(self, query, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Connection, "_execute", _execute)
        patch.setattr(Connection, "execute", execute)
        yield


async def run_worker(settings: Settings) -> None:
    options = worker_settings(settings.model_copy(update={"generator": "noop"})) | {"burst": True, "poll_delay": 0.05}
    worker = Worker(**options, handle_signals=False)
    try:
        await worker.main()
    finally:
        await worker.close()


async def hot_path_statements(client: GraphQLClient, db: asyncpg.Pool, settings: Settings) -> list[Statement]:
    creator, fan, owner = [await create_user(client, handle=h) for h in ("maker", "fan", "owner")]
    holder = await create_holder(client, owner)
    nova = await create_character(client, owner, holder, "Nova")
    await client.execute(FOLLOW, {"id": creator.id}, token=fan.token)
    await client.execute(FOLLOW_CHARACTER, {"id": nova}, token=fan.token)
    async with db.acquire() as conn:
        await grant(conn, handle=creator.handle, amount_micros=10_000_000)
    statements: list[Statement] = []
    path = ["createRemix"]
    with capturing(statements, path):
        created = await client.execute(
            CREATE_REMIX, {"input": {"prompt": "Nova in a quiet forest", "characterIds": [nova]}}, token=creator.token
        )
        video = created.data["createRemix"]["video"]["id"]
        path[0] = "generation"
        await run_worker(settings)
        path[0] = "publishVideo"
        published = await client.execute(PUBLISH_VIDEO, {"id": video}, token=creator.token)
        assert published.data["publishVideo"]["video"]["status"] == "PUBLISHED"
        path[0] = "feed"
        page = await client.execute(RICH_FEED, {"first": 20}, token=fan.token)
        assert [edge["node"]["id"] for edge in page.data["feed"]["edges"]] == [video]
        path[0] = "recordViews"
        event = {"videoId": video, "watchedMs": 5000, "clientEventId": uuid4().hex}
        assert (await client.execute(RECORD, {"input": [event]}, token=fan.token)).data["recordViews"]["qualified"] == 1
        path[0] = "crediting"
        await run_worker(settings)
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT credited_views FROM video_revenue") == 1  # the views were credited
    return statements


async def relations_of(conn: asyncpg.Connection, statement: Statement) -> dict[str, Any]:
    plan = json.loads(await conn.fetchval("EXPLAIN (VERBOSE, FORMAT JSON) " + statement.sql, *statement.args))
    return plan[0]["Plan"]  # type: ignore[no-any-return]


async def test_every_table_has_a_place_in_the_plan(db: asyncpg.Pool) -> None:
    # A partition (view_events' days) is placed with its table.
    tables = {
        r["relname"]
        for r in await db.fetch(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') "
            "AND NOT relispartition"
        )
    }
    placed = set(distribution.DISTRIBUTED) | distribution.REFERENCE | distribution.LOCAL
    assert tables - placed == set(), "place each new table in db/distribution.py"
    assert placed - tables == set(), "db/distribution.py names a table that does not exist"


async def test_no_hot_statement_needs_a_cross_shard_join(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings
) -> None:
    statements = await hot_path_statements(client, db, settings)
    problems: list[str] = []
    seen: set[str] = set()
    listed: dict[str, list[str]] = {}
    async with db.acquire() as conn:
        for statement in statements:
            if not statement.sql.lstrip().upper().startswith(EXPLAINABLE) or statement.sql in seen:
                continue
            seen.add(statement.sql)
            plan = await relations_of(conn, statement)
            tables = await distribution.plan_relations(conn, plan)
            listed.setdefault(statement.path, []).append(", ".join(sorted({r.table for r in tables.values()})))
            for problem in distribution.cross_shard_problems(plan, tables):
                problems.append(f"{statement.path}: {problem}\n  {' '.join(statement.sql.split())[:300]}")
    print("\n".join(f"{path}: {'; '.join(tables)}" for path, tables in listed.items()))
    assert set(listed) == {"createRemix", "generation", "publishVideo", "feed", "recordViews", "crediting"}
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("SELECT count(*) FROM view_events e JOIN uncredited_views u ON u.video_id = e.video_id", None),
        ("SELECT count(*) FROM view_events e JOIN uncredited_views u ON u.video_id = $1 AND e.video_id = $1", None),
        ("SELECT count(*) FROM view_events e JOIN characters c ON c.id = e.video_id", None),  # a reference table
        ("SELECT count(*) FROM view_events e JOIN video_revenue r ON r.updated_at = e.received_at", "not joined on"),
        ("SELECT count(*) FROM view_events e JOIN videos v ON v.id = e.video_id", "with coordinator-only"),
        ("SELECT count(*) FROM view_events e JOIN ledger_entries l ON l.account_id = e.video_id", "colocation groups"),
        ("INSERT INTO uncredited_views (video_id, views) SELECT id, 1 FROM videos", None),  # through the coordinator
    ],
)
async def test_the_check_tells_co_located_joins_from_cross_shard_ones(
    db: asyncpg.Pool, sql: str, problem: str | None
) -> None:
    statement = Statement("check", sql, (uuid4(),) if "$1" in sql else ())
    async with db.acquire() as conn:
        plan = await relations_of(conn, statement)
        problems = distribution.cross_shard_problems(plan, await distribution.plan_relations(conn, plan))
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0], problems
