"""view_events by day (migration 0017, db/view_partitions.py): the rows moved over, the keys that keep a
view from counting twice across partitions, and retention that drops old days without breaking
`fanreel ledger verify`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

import asyncpg
import pytest

from db.crediting import credit
from db.ledger_cli import verify
from db.migrate import CREATE_TABLE, RECORD, load_migrations, migrate
from db.queries.views import viewer_state
from db.view_partitions import DAYS_AHEAD, drop_expired_partitions, ensure_days, ensure_partitions, partitions
from db.viewing import record_views
from domain.revenue import SplitConfig
from domain.views import ViewConfig, Viewer, ViewEvent
from tests.conftest import with_database
from tests.views_factories import new_user, new_videos, set_published

pytestmark = pytest.mark.usefixtures("clean_state")
CONFIG = ViewConfig()
TODAY = datetime.now(UTC).date()
MIDNIGHT = datetime.combine(TODAY, time(), UTC)
QUALIFIED_PER_VIDEO = "SELECT video_id, count(*) FROM view_events WHERE qualified GROUP BY video_id"


async def days_with_partitions(conn: asyncpg.Connection) -> set[date]:
    return {p.first for p in await partitions(conn)}


# ---------------------------------------------------------------- the migration


@pytest.fixture
async def database_at_0016(server_urls: tuple[str, str]) -> AsyncIterator[asyncpg.Connection]:
    admin = await asyncpg.connect(server_urls[0])
    name = f"fanreel_partitions_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(with_database(server_urls[0], name))
    try:
        await conn.execute(CREATE_TABLE)
        for migration in [m for m in load_migrations() if m.version <= 16]:
            await conn.execute(migration.sql)
            await conn.execute(RECORD, migration.version, migration.name)
        yield conn
    finally:
        await conn.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_the_migration_moves_every_event_into_its_days_partition(database_at_0016: asyncpg.Connection) -> None:
    conn = database_at_0016
    old = datetime(2024, 3, 1, 12, tzinfo=UTC)
    await conn.execute(
        "INSERT INTO view_events (viewer_id, client_event_id, anonymous, video_id, watched_ms, occurred_at, "
        "received_at, qualified) SELECT gen_random_uuid(), n::text, true, gen_random_uuid(), 5000, $1, $1, n % 2 = 0 "
        "FROM generate_series(1, 10) AS n",
        old,
    )
    await conn.execute(
        "INSERT INTO view_events (viewer_id, client_event_id, anonymous, video_id, watched_ms, occurred_at, "
        "received_at, qualified) VALUES (gen_random_uuid(), 'now', false, gen_random_uuid(), 1, now(), now(), true)"
    )
    assert (await migrate(conn))[0] == "0017_view_event_partitions"
    days = await days_with_partitions(conn)
    assert {date(2024, 3, 1)} | {TODAY + timedelta(days=n) for n in range(-1, DAYS_AHEAD + 1)} <= days
    assert await conn.fetchval("SELECT count(*) FROM view_events_20240301") == 10
    assert await conn.fetchval("SELECT count(*) FROM view_events WHERE qualified") == 6
    assert await conn.fetchval("SELECT to_regclass('view_events_unpartitioned')") is None
    assert await ensure_partitions(conn) == []  # the migration made the same window


async def test_making_partitions_is_idempotent_and_safe_at_once(db_pool: asyncpg.Pool) -> None:
    far = TODAY + timedelta(days=400)
    days = [far + timedelta(days=n) for n in range(3)]
    try:

        async def ensure() -> list[date]:
            async with db_pool.acquire() as conn:
                return await ensure_days(conn, days)

        made = await asyncio.gather(*(ensure() for _ in range(3)))
        assert sorted(day for run in made for day in run) == days  # each made once
        async with db_pool.acquire() as conn:
            assert set(days) <= await days_with_partitions(conn)
            assert await ensure_partitions(conn) == []
    finally:
        for day in days:
            await db_pool.execute(f"DROP TABLE IF EXISTS view_events_{day:%Y%m%d}")


# ---------------------------------------------------------------- a view counts once across partitions


async def call(
    conn: asyncpg.Connection, viewer: Viewer, video: uuid.UUID, event_id: str, now: datetime, at: datetime | None
) -> tuple[int, int, int]:
    """(stored, qualified, duplicates) of one event recorded at `now`."""
    plan = await record_views(
        conn, viewer=viewer, events=[ViewEvent(video, 5000, event_id, at)], now=now, config=CONFIG
    )
    return len(plan.stored), plan.qualified, plan.duplicates


async def test_a_retry_across_midnight_is_a_duplicate(db_pool: asyncpg.Pool) -> None:
    viewer = Viewer.device("device-midnight-01")
    async with db_pool.acquire() as conn:
        (video,) = await new_videos(conn, await new_user(conn), 1)
        await set_published(conn, video, MIDNIGHT - timedelta(days=1))
        # Sent "at receipt" just before midnight, retried just after: yesterday's partition holds it.
        assert await call(conn, viewer, video, "a", MIDNIGHT - timedelta(minutes=10), None) == (1, 1, 0)
        assert await call(conn, viewer, video, "a", MIDNIGHT + timedelta(minutes=10), None) == (0, 0, 1)
        # With its occurredAt (yesterday), retried at any time it is still accepted: a duplicate.
        at = MIDNIGHT - timedelta(minutes=30)
        assert await call(conn, viewer, video, "b", MIDNIGHT + timedelta(minutes=5), at) == (1, 0, 0)
        assert await call(conn, viewer, video, "b", MIDNIGHT + timedelta(hours=20), at) == (0, 0, 1)
        # The same video today is another day's view: it qualifies once more, once.
        assert await call(conn, viewer, video, "c", MIDNIGHT + timedelta(hours=1), None) == (1, 1, 0)
        assert await call(conn, viewer, video, "d", MIDNIGHT + timedelta(hours=2), None) == (1, 0, 0)
        rows = await conn.fetch("SELECT day, count(*) AS n FROM view_events WHERE qualified GROUP BY day ORDER BY day")
        assert [(r["day"], r["n"]) for r in rows] == [(TODAY - timedelta(days=1), 1), (TODAY, 1)]
        assert await conn.fetchval("SELECT sum(views) FROM uncredited_views") == 2


async def test_an_id_sent_again_a_day_later_with_a_new_time_is_a_new_view_of_its_day(db_pool: asyncpg.Pool) -> None:
    # Outside the days recordViews reads (24 h back): a new event, under the same rule as a new id.
    viewer = Viewer.device("device-midnight-02")
    async with db_pool.acquire() as conn:
        (video,) = await new_videos(conn, await new_user(conn), 1)
        await set_published(conn, video, MIDNIGHT - timedelta(days=1))
        assert await call(conn, viewer, video, "a", MIDNIGHT - timedelta(minutes=10), None) == (1, 1, 0)
        tomorrow = MIDNIGHT + timedelta(days=1, hours=1)
        assert await call(conn, viewer, video, "b", tomorrow, None) == (1, 1, 0)
        assert await call(conn, viewer, video, "a", tomorrow, None) == (1, 0, 0)  # stored, but not a second credit


LOCKED_PARTITIONS = """
SELECT c.relname FROM pg_locks l JOIN pg_inherits i ON i.inhrelid = l.relation JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND i.inhparent = 'view_events'::regclass
"""


async def test_the_viewers_state_touches_only_the_partitions_of_its_days_whatever_the_plan(
    db_pool: asyncpg.Pool,
) -> None:
    # A plan PostgreSQL keeps for every call (the one it went over to after 5 calls) must not lock
    # and open the retained days' partitions: bench/views.py's 30 days of history paid for that.
    days = [TODAY - timedelta(days=1), TODAY]
    async with db_pool.acquire() as conn:
        await ensure_days(conn, [TODAY - timedelta(days=n) for n in range(2, 6)])
        async with conn.transaction():
            await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            await viewer_state(conn, viewer_id=uuid.uuid4(), client_event_ids=["a"], days=days)
            locked = {row["relname"] for row in await conn.fetch(LOCKED_PARTITIONS)}
    assert locked == {f"view_events_{day:%Y%m%d}" for day in days}


async def test_a_day_without_a_partition_reads_as_no_events(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        stored, days = await viewer_state(
            conn, viewer_id=uuid.uuid4(), client_event_ids=["a"], days=[TODAY, TODAY + timedelta(days=1000)]
        )
    assert (stored, dict(days.counts)) == (set(), {})


async def test_the_database_refuses_a_second_copy_of_an_event_on_its_day(db_pool: asyncpg.Pool) -> None:
    insert = (
        "INSERT INTO view_events (viewer_id, client_event_id, anonymous, video_id, watched_ms, occurred_at, "
        "received_at, day, qualified) VALUES ('00000000-0000-4000-8000-000000000002', 'same', true, $1, 5000, $2, $2, "
        "$3, false)"
    )
    async with db_pool.acquire() as conn:
        (video,) = await new_videos(conn, await new_user(conn), 1)
        await conn.execute(insert, video, MIDNIGHT + timedelta(hours=1), TODAY)
        with pytest.raises(asyncpg.UniqueViolationError) as refused:
            await conn.execute(insert, video, MIDNIGHT + timedelta(hours=2), TODAY)
        assert refused.value.constraint_name.endswith("_pkey")
        with pytest.raises(asyncpg.CheckViolationError) as refused:  # a day that is not the event's
            await conn.execute(insert, video, MIDNIGHT + timedelta(hours=25), TODAY)
        assert refused.value.constraint_name == "view_events_day_of_occurrence"


# ---------------------------------------------------------------- retention


async def record(conn: asyncpg.Connection, videos: list[uuid.UUID], viewers: int) -> None:
    for n in range(viewers):
        events = [ViewEvent(v, 5000 if i % 4 else 100, f"{n}-{i}", None) for i, v in enumerate(videos)]
        await record_views(
            conn, viewer=Viewer.device(f"device-retain-{n:04}"), events=events, now=datetime.now(UTC), config=CONFIG
        )


AGE = """
UPDATE view_events SET occurred_at = occurred_at - $1::interval, received_at = received_at - $1::interval,
                       day = day - extract(day FROM $1::interval)::int
WHERE day = $2
"""


async def age(conn: asyncpg.Connection, days: int) -> date:
    """Set today's events (and the views they left waiting) `days` days back; the day they now fall on."""
    old = TODAY - timedelta(days=days)
    await ensure_days(conn, [old])
    await conn.execute(AGE, timedelta(days=days), TODAY)
    await conn.execute("UPDATE uncredited_views SET received_at = received_at - $1::interval", timedelta(days=days))
    return old


async def test_retention_keeps_the_facts_verify_needs(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        videos = await new_videos(conn, await new_user(conn), 4)
        await record(conn, videos, 5)
        await credit(db_pool, SplitConfig())
        qualified = dict(await conn.fetch(QUALIFIED_PER_VIDEO))
        assert sum(qualified.values()) == 15
        old = await age(conn, 40)
        before = await conn.fetch("SELECT video_id, credited_views FROM video_revenue ORDER BY video_id")

        run = await drop_expired_partitions(conn, retention_days=35)

        assert [p.first for p in run.dropped] == [old] and not run.kept_uncredited
        assert old not in await days_with_partitions(conn)
        assert await conn.fetchval("SELECT count(*) FROM view_events") == 0
        counts = await conn.fetch("SELECT video_id, day, views FROM view_day_counts")
        assert {r["video_id"]: r["views"] for r in counts} == qualified and {r["day"] for r in counts} == {old}
        assert await conn.fetch("SELECT video_id, credited_views FROM video_revenue ORDER BY video_id") == before
        assert await verify(conn) == []
        # Views recorded since add to the counted ones.
        await record(conn, videos, 2)
        await credit(db_pool, SplitConfig())
        assert await verify(conn) == []
        # A count that no longer matches is found.
        await conn.execute("UPDATE view_day_counts SET views = views + 1 WHERE video_id = $1", videos[1])
        problems = await verify(conn)
        assert len(problems) == 1 and "qualified view events" in problems[0]


async def test_a_partition_with_views_waiting_for_crediting_is_kept(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        videos = await new_videos(conn, await new_user(conn), 3)
        await record(conn, videos, 3)
        old = await age(conn, 40)

        run = await drop_expired_partitions(conn, retention_days=35)
        assert [p.first for p in run.kept_uncredited] == [old] and not run.dropped
        assert await conn.fetchval("SELECT count(*) FROM view_events WHERE day = $1", old) == 9
        assert await conn.fetchval("SELECT count(*) FROM view_day_counts") == 0
        assert await verify(conn) == []

        assert (await credit(db_pool, SplitConfig())).views == 6
        run = await drop_expired_partitions(conn, retention_days=35)
        assert [p.first for p in run.dropped] == [old]
        assert await conn.fetchval("SELECT sum(views) FROM view_day_counts") == 6
        assert await verify(conn) == []


async def test_retention_drops_only_whole_days_past_the_window(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        kept, dropped = TODAY - timedelta(days=35), TODAY - timedelta(days=36)
        await ensure_days(conn, [dropped, kept])
        run = await drop_expired_partitions(conn, retention_days=35)
        assert [p.first for p in run.dropped] == [dropped]
        assert kept in await days_with_partitions(conn)
        await drop_expired_partitions(conn, retention_days=34)  # leave no old day behind for other tests


async def test_a_drop_gives_way_to_a_long_read_of_the_table(db_pool: asyncpg.Pool) -> None:
    old = TODAY - timedelta(days=50)
    async with db_pool.acquire() as conn, db_pool.acquire() as reader:
        await ensure_days(conn, [old])
        async with reader.transaction():
            await reader.fetchval("SELECT count(*) FROM view_events")  # holds its lock until the end
            run = await drop_expired_partitions(conn, retention_days=35)
            assert [p.first for p in run.kept_locked] == [old]
        run = await drop_expired_partitions(conn, retention_days=35)
        assert [p.first for p in run.dropped] == [old]


async def test_verify_finds_a_day_both_counted_and_stored(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        (video,) = await new_videos(conn, await new_user(conn), 1)
        await record(conn, [video], 1)
        await credit(db_pool, SplitConfig())
        counted = "INSERT INTO view_day_counts (video_id, day, views) VALUES (gen_random_uuid(), $1, 1)"
        await conn.execute(counted, TODAY)
        problems = await verify(conn)
    assert any(f"view events of {TODAY} are both stored and counted" in p for p in problems)
