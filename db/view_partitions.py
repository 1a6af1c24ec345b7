"""view_events' daily partitions (migration 0017): made ahead, dropped after VIEW_EVENTS_RETENTION_DAYS.

`ensure_partitions` makes yesterday's to a week ahead's; the migration, the API's and the worker's
startup and the worker's hourly cron (workers/view_retention.py) all call it, so an event is never
refused for want of its day's partition (recordViews accepts events from 24 h ago to 5 min ahead).
There is no DEFAULT partition: it would hide a missing partition instead of preventing it, every
new partition would then have to scan and lock it, and the rows it caught would be out of reach of
retention, which works by dropping whole days.

`drop_expired_partitions` drops each partition whose days all lie before the retention window. Its
qualified views per video and day go to view_day_counts in the same transaction, so `fanreel ledger
verify` still finds them (db/revenue_check.py). A partition that may hold qualified views not yet
credited is kept: any uncredited_views row received before its last day + 1 (an event is received at
most 24 h after it happened) means crediting is failing for that row, and the events are the
evidence; the crediting job, not retention, is what catches up, and the drop is tried again next run.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import asyncpg

logger = logging.getLogger(__name__)

DAYS_BEHIND, DAYS_AHEAD = 1, 7
# A drop locks view_events out (ACCESS EXCLUSIVE) until it commits, so it must not queue every
# recordViews call behind a long read of the table: past this, it gives up until the next run.
DROP_LOCK_TIMEOUT = "1s"
MAINTENANCE_LOCK = "SELECT pg_advisory_xact_lock($1::int4, $2::int4)"
LOCK_SPACE, LOCK_KEY = 0x76696577, 0x70617274  # "view", "part"

ADD_PARTITION = "SELECT view_events_add_partition($1::date)"


async def ensure_partitions(conn: asyncpg.Connection, *, today: date | None = None) -> list[date]:
    """Make the partitions of yesterday to DAYS_AHEAD days ahead that are missing; the days made."""
    today = today or utc_today()
    return await ensure_days(conn, [today + timedelta(days=n) for n in range(-DAYS_BEHIND, DAYS_AHEAD + 1)])


async def ensure_days(conn: asyncpg.Connection, days: list[date]) -> list[date]:
    """Make the partitions of `days` that are missing (one transaction, serialised with other runs)."""
    async with conn.transaction():
        await conn.execute(MAINTENANCE_LOCK, LOCK_SPACE, LOCK_KEY)
        return [day for day in days if await conn.fetchval(ADD_PARTITION, day)]


def utc_today() -> date:
    return datetime.now(UTC).date()


PARTITIONS = """
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'view_events'::regclass
"""
_BOUND = re.compile(r"FROM \('(\d{4}-\d{2}-\d{2})'\) TO \('(\d{4}-\d{2}-\d{2})'\)")


@dataclass(frozen=True)
class Partition:
    name: str
    first: date  # its first day
    end: date  # the day after its last


async def partitions(conn: asyncpg.Connection) -> list[Partition]:
    """view_events' partitions, oldest first."""
    found = []
    for row in await conn.fetch(PARTITIONS):
        if match := _BOUND.fullmatch(row["bound"].removeprefix("FOR VALUES ")):
            found.append(Partition(row["relname"], date.fromisoformat(match[1]), date.fromisoformat(match[2])))
    return sorted(found, key=lambda p: p.first)


@dataclass
class RetentionRun:
    dropped: list[Partition] = field(default_factory=list)
    kept_uncredited: list[Partition] = field(default_factory=list)  # old enough, but views may wait for crediting
    kept_locked: list[Partition] = field(default_factory=list)  # the table was busy: the next run tries again


async def drop_expired_partitions(
    conn: asyncpg.Connection, *, retention_days: int, today: date | None = None
) -> RetentionRun:
    """Drop the partitions whose every day is more than `retention_days` before `today`, keeping
    their qualified views per video and day in view_day_counts."""
    first_kept = (today or utc_today()) - timedelta(days=retention_days)
    run = RetentionRun()
    for partition in await partitions(conn):
        if partition.end <= first_kept:
            getattr(run, await _drop(conn, partition)).append(partition)
    return run


LOCK_TIMEOUT = f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'"
# SHARE: nothing writes the partition between the count and the drop.
LOCK_PARTITION = "LOCK TABLE {partition} IN SHARE MODE"
# Every event of the partition was received before the day after its last (events are accepted at
# most 24 h after they happened), so no uncredited_views row received since can be one of its views.
MAY_WAIT = "SELECT EXISTS (SELECT 1 FROM uncredited_views WHERE received_at < $1)"
KEEP_COUNTS = """
INSERT INTO view_day_counts (video_id, day, views)
SELECT video_id, day, count(*) FROM {partition} WHERE qualified GROUP BY video_id, day
ON CONFLICT ON CONSTRAINT view_day_counts_pkey DO UPDATE SET views = view_day_counts.views + excluded.views
"""
DROP_PARTITION = "DROP TABLE {partition}"


async def _drop(conn: asyncpg.Connection, partition: Partition) -> str:
    """Drop one partition, its counts kept; the RetentionRun list it belongs in."""
    name = '"' + partition.name.replace('"', '""') + '"'
    received_by = datetime.combine(partition.end + timedelta(days=1), time(), UTC)
    try:
        async with conn.transaction():
            await conn.execute(MAINTENANCE_LOCK, LOCK_SPACE, LOCK_KEY)
            await conn.execute(LOCK_TIMEOUT)
            await conn.execute(LOCK_PARTITION.format(partition=name))
            if await conn.fetchval(MAY_WAIT, received_by):
                logger.warning("view_events partition %s kept: qualified views may wait for crediting", partition.name)
                return "kept_uncredited"
            await conn.execute(KEEP_COUNTS.format(partition=name))
            await conn.execute(DROP_PARTITION.format(partition=name))
    except asyncpg.LockNotAvailableError:
        logger.warning("view_events partition %s kept: the table was busy", partition.name)
        return "kept_locked"
    logger.info("dropped view_events partition %s", partition.name)
    return "dropped"
