"""View events: what recordViews reads under the viewer's lock, the one insert it writes, view counts."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from domain.views import Stored, VideoFacts, Viewer, ViewerDays

# Namespace of the per-viewer advisory locks (the two-int4 form: its own key space).
VIEWER_LOCK_SPACE = 0x76696577  # "view"
LOCK_VIEWER = "SELECT pg_advisory_xact_lock($1::int4, $2::int4)"


async def lock_viewer(conn: asyncpg.Connection, *, viewer: Viewer) -> None:
    """Serialise one viewer's recordViews calls until the transaction ends (duplicates, first of the day, cap)."""
    key = zlib.crc32(viewer.id.bytes) - 2**31  # into int4's range; a collision only serialises two viewers
    await conn.execute(LOCK_VIEWER, VIEWER_LOCK_SPACE, key)


# "Member": the user ($2) is a member of one of the video's holders; or the device ($3) was used while
# signed in as the creator or as such a member (RULES §11: the device is theirs).
VIDEO_FACTS = """
SELECT v.id, v.creator_id, v.published_at, v.unpublished_at, v.duration_seconds,
       (($2::uuid IS NOT NULL AND EXISTS (
           SELECT 1 FROM video_licenses l
           JOIN characters c ON c.id = l.character_id
           JOIN holder_members m ON m.holder_id = c.holder_id AND m.user_id = $2
           WHERE l.video_id = v.id))
        OR ($3::uuid IS NOT NULL AND EXISTS (
           SELECT 1 FROM device_users d
           WHERE d.device_id = $3 AND (d.user_id = v.creator_id OR EXISTS (
               SELECT 1 FROM video_licenses l
               JOIN characters c ON c.id = l.character_id
               JOIN holder_members m ON m.holder_id = c.holder_id AND m.user_id = d.user_id
               WHERE l.video_id = v.id))))) AS viewer_is_member
FROM videos v WHERE v.id = ANY($1::uuid[])
"""


async def video_facts(
    conn: asyncpg.Connection, *, video_ids: Sequence[UUID], user_id: UUID | None, device_id: UUID | None = None
) -> dict[UUID, VideoFacts]:
    """The videos found among `video_ids`, with whether `user_id` (or whoever used `device_id` signed
    in) is the creator's or a member of one of their holders."""
    rows = await conn.fetch(VIDEO_FACTS, list(video_ids), user_id, device_id)
    return {row[0]: VideoFacts(*row) for row in rows}


# ---------------------------------------------------------------- devices and client IPs (RULES §11)

INSERT_DEVICE = "INSERT INTO devices (id, created_ip) VALUES ($1, $2)"


async def insert_device(conn: asyncpg.Connection, *, device_id: UUID, ip: str | None) -> None:
    await conn.execute(INSERT_DEVICE, device_id, ip)


LINK_DEVICE = """
INSERT INTO device_users (device_id, user_id) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM devices WHERE id = $1)
ON CONFLICT ON CONSTRAINT device_users_pkey DO NOTHING
"""


async def link_device(conn: asyncpg.Connection, *, device_id: UUID, user_id: UUID) -> None:
    """Remember that `user_id` used the device signed in: its anonymous views of their videos never qualify."""
    await conn.execute(LINK_DEVICE, device_id, user_id)


IP_LOCK_SPACE = 0x69707673  # "ipvs"
IP_DAYS = "SELECT day, qualified FROM anonymous_ip_views WHERE ip = $1 AND day = ANY($2::date[])"


async def ip_days(conn: asyncpg.Connection, *, ip: str, days: Sequence[date]) -> dict[date, int]:
    """The client IP's qualified anonymous views on `days`."""
    return {row["day"]: row["qualified"] for row in await conn.fetch(IP_DAYS, ip, list(days))}


async def lock_ip_days(conn: asyncpg.Connection, *, ip: str, days: Sequence[date]) -> dict[date, int]:
    """Lock the client IP's anonymous counts until the transaction ends, then read them on `days`.
    Two statements: a read in the locking statement would see the snapshot taken before the wait."""
    await conn.execute(LOCK_VIEWER, IP_LOCK_SPACE, zlib.crc32(ip.encode()) - 2**31)
    return await ip_days(conn, ip=ip, days=days)


ADD_IP_VIEWS = """
INSERT INTO anonymous_ip_views (ip, day, qualified)
SELECT $1, day, n FROM unnest($2::date[], $3::int4[]) AS t(day, n)
ON CONFLICT ON CONSTRAINT anonymous_ip_views_pkey
DO UPDATE SET qualified = anonymous_ip_views.qualified + excluded.qualified
"""


async def add_ip_views(conn: asyncpg.Connection, *, ip: str, per_day: dict[date, int]) -> None:
    if per_day:
        days = sorted(per_day)
        await conn.execute(ADD_IP_VIEWS, ip, days, [per_day[day] for day in days])


# What the viewer has stored already: which of this call's client event ids, and their qualified
# views on the days concerned (at most the daily cap per day: an index range scan). One statement.
# Both read only the partitions of the days concerned (from 24 h ago to 5 min ahead: the days an
# accepted event can fall on). So a retry is a duplicate whenever its event could be stored again:
# one with the same occurredAt always (that day is among them, and the key holds on each day), one
# sent "at receipt" (no occurredAt) within 24 h of the first. An id sent again later with a new time
# is a new event, stored and qualified like one with a new id: it still qualifies at most once per
# viewer, video and day. Reading every retained day instead would cost a lookup per id in each of
# the ~44 partitions kept (measured with 36: 3.4-5.1 ms a call of 100 ids, 0.85-0.97 ms for 2).
# The days are written into the statement as a constant ({days}: dates we computed, never input),
# one statement text per set of days (two a day, three in its last 5 minutes), so PostgreSQL prunes
# the other partitions when it plans and keeps that plan for the calls after. With the days as a
# parameter, the plan cache went over to a generic plan after 5 executions whenever that looked
# cheaper (on and off as today's partition grew), and a generic plan, pruned only at run time,
# locks every partition: with 30 days of history 2.7-2.8 ms of PostgreSQL's CPU a call of 100
# events against 1.4-1.6 ms without, and 1.7-1.9 ms when it did plan per call; now 1.4-1.6 ms
# either way (16 connections). A day without a partition is simply not read.
VIEWER_STATE = """
SELECT client_event_id, NULL::date AS day, NULL::uuid AS video_id
FROM view_events WHERE viewer_id = $1 AND day = ANY({days}::date[]) AND client_event_id = ANY($2::text[])
UNION ALL
SELECT NULL, day, video_id FROM view_events WHERE viewer_id = $1 AND day = ANY({days}::date[]) AND qualified
"""


def viewer_state_statement(days: Sequence[date]) -> str:
    """VIEWER_STATE for these days: a date array literal such as '{2026-12-03,2026-12-04}'."""
    return VIEWER_STATE.format(days="'{" + ",".join(day.isoformat() for day in days) + "}'")


async def viewer_state(
    conn: asyncpg.Connection, *, viewer_id: UUID, client_event_ids: Sequence[str], days: Sequence[date]
) -> tuple[set[str], ViewerDays]:
    """(client event ids among `client_event_ids` stored already, qualified views stored on `days`)."""
    stored: set[str] = set()
    counts: dict[date, int] = {}
    qualified: set[tuple[date, UUID]] = set()
    for client_event_id, day, video_id in await conn.fetch(
        viewer_state_statement(days), viewer_id, list(client_event_ids)
    ):
        if client_event_id is not None:
            stored.add(client_event_id)
        else:
            counts[day] = counts.get(day, 0) + 1
            qualified.add((day, video_id))
    return stored, ViewerDays(counts, frozenset(qualified))


# The events and, for the qualified ones, one uncredited_views row per video: one statement. `day`
# (the partition key) is the UTC day of the event (a check in the table holds it to that).
INSERT_EVENTS = """
WITH stored AS (
    INSERT INTO view_events (viewer_id, client_event_id, anonymous, video_id, watched_ms, occurred_at, received_at,
                             day, qualified)
    SELECT $1, e.client_event_id, $2, e.video_id, e.watched_ms, e.at, $3, (e.at AT TIME ZONE 'UTC')::date, e.qualified
    FROM (SELECT client_event_id, video_id, watched_ms, coalesce(occurred_at, $3) AS at, qualified
          FROM unnest($4::text[], $5::uuid[], $6::int4[], $7::timestamptz[], $8::bool[])
              AS u (client_event_id, video_id, watched_ms, occurred_at, qualified)) AS e
    RETURNING video_id, qualified
)
INSERT INTO uncredited_views (video_id, views, received_at)
SELECT video_id, count(*), $3 FROM stored WHERE qualified GROUP BY video_id
"""


async def insert_events(
    conn: asyncpg.Connection, *, viewer: Viewer, received_at: datetime, events: Sequence[Stored]
) -> None:
    """Store planned events; the caller holds the viewer's lock, so none is stored already."""
    if not events:
        return
    await conn.execute(
        INSERT_EVENTS,
        viewer.id,
        viewer.anonymous,
        received_at,
        [s.event.client_event_id for s in events],
        [s.video_id for s in events],
        [s.watched_ms for s in events],
        [s.event.occurred_at for s in events],  # NULL (cheaper to send) for "at receipt"
        [s.qualified for s in events],
    )


VIEW_TOTALS = """
SELECT v.id, coalesce(r.credited_views, 0) AS credited,
       coalesce((SELECT sum(p.views) FROM uncredited_views p WHERE p.video_id = v.id), 0) AS waiting
FROM unnest($1::uuid[]) AS v (id) LEFT JOIN video_revenue r ON r.video_id = v.id
"""


@dataclass(frozen=True)
class ViewTotals:
    credited: int  # qualified views credited so far
    qualified: int  # every qualified view: credited plus those waiting for the next crediting run


async def view_totals(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> dict[UUID, ViewTotals]:
    rows = await conn.fetch(VIEW_TOTALS, list(video_ids))
    return {row["id"]: ViewTotals(row["credited"], row["credited"] + int(row["waiting"])) for row in rows}
