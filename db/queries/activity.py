"""Activity: recording an event as one row per recipient, the inbox, and live delivery over pub/sub.

An event is recorded inside the transaction of the change it reports (`record`) and announced
after commit (`publish`): each recipient's inbox channel and each concerned character's channel
carry the event's id and kind, and subscribers load their own row of it, so `record`'s delivery
rules decide who sees what.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from db.queries.safety import hidden_user
from domain.activity import SOCIAL_KINDS, ActivityKind, reaches_followers
from workers import keys

logger = logging.getLogger(__name__)

# Commands per pipeline round trip: bounds the client's buffer when an event reaches many followers.
PUBLISH_BATCH = 10_000


@dataclass(frozen=True)
class Activity:
    id: UUID
    event_id: UUID
    recipient_id: UUID
    kind: ActivityKind
    video_id: UUID | None
    character_id: UUID | None
    actor_id: UUID | None
    created_at: datetime
    read_at: datetime | None
    report_id: UUID | None = None  # REPORT_ACTIONED, REPORT_DISMISSED: the recipient's report


@dataclass(frozen=True)
class Event:
    id: UUID  # shared by every recipient's row of this event
    kind: ActivityKind
    recipient_ids: tuple[UUID, ...]
    character_ids: tuple[UUID, ...]  # the characters the event concerns: their channels carry it


COLUMNS = "id, event_id, recipient_id, kind, video_id, character_id, actor_id, created_at, read_at, report_id"


def _activity(row: asyncpg.Record) -> Activity:
    return Activity(**{**dict(row), "kind": ActivityKind(row["kind"])})


# One statement for any number of events, whatever their audiences: each audience is a list of
# (event, user) or (event, character) pairs, the UNION makes each event's recipients distinct, its
# actor is left out, and one timestamp (taken when the statement runs, so events of one transaction
# keep their order) is shared by every row.
RECORD = """
WITH events AS (
    SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[])
        AS e (event_id, video_id, character_id, actor_id)
), recipients AS (
    SELECT * FROM unnest($6::uuid[], $7::uuid[]) AS u (event_id, user_id)
    UNION
    SELECT a.event_id, m.user_id
    FROM unnest($8::uuid[], $9::uuid[]) AS a (event_id, character_id)
    JOIN characters c ON c.id = a.character_id JOIN holder_members m ON m.holder_id = c.holder_id
    UNION
    SELECT a.event_id, f.user_id
    FROM unnest($10::uuid[], $11::uuid[]) AS a (event_id, character_id)
    JOIN character_follows f ON f.character_id = a.character_id
)
INSERT INTO activities (event_id, recipient_id, kind, video_id, character_id, actor_id, created_at)
SELECT e.event_id, r.user_id, $1, e.video_id, e.character_id, e.actor_id, (SELECT clock_timestamp())
FROM recipients r JOIN events e ON e.event_id = r.event_id
WHERE r.user_id IS DISTINCT FROM e.actor_id
RETURNING event_id, recipient_id
"""


@dataclass(frozen=True)
class NewEvent:
    """What one event concerns and who receives it (see `record`)."""

    actor_id: UUID | None = None
    video_id: UUID | None = None
    character_id: UUID | None = None
    users: Sequence[UUID] = ()
    members_of_holders_of: Sequence[UUID] = ()
    followers_of: Sequence[UUID] = ()


async def record(
    conn: asyncpg.Connection,
    *,
    kind: ActivityKind,
    actor_id: UUID | None = None,
    video_id: UUID | None = None,
    character_id: UUID | None = None,
    users: Sequence[UUID] = (),
    members_of_holders_of: Sequence[UUID] = (),
    followers_of: Sequence[UUID] = (),
) -> Event:
    """Store one row per distinct recipient (never the actor) in the caller's transaction.

    Recipients: `users`, every member of the holder of each character in `members_of_holders_of`,
    and every follower of each character in `followers_of`, the latter only for the kinds that reach
    followers (VIDEO_PUBLISHED, POLICY_PUBLISHED; ignored otherwise). Call `publish` after commit.
    """
    event = NewEvent(actor_id, video_id, character_id, users, members_of_holders_of, followers_of)
    (recorded,) = await record_all(conn, kind=kind, events=[event])
    return recorded


async def record_all(conn: asyncpg.Connection, *, kind: ActivityKind, events: Sequence[NewEvent]) -> list[Event]:
    """`record` for several events of one kind, in one statement; the events in the order given."""
    if not events:
        return []
    follows = reaches_followers(kind)
    ids = [uuid.uuid4() for _ in events]
    users = [(i, user) for i, e in zip(ids, events, strict=True) for user in e.users]
    members = [(i, c) for i, e in zip(ids, events, strict=True) for c in e.members_of_holders_of]
    followers = [(i, c) for i, e in zip(ids, events, strict=True) for c in (e.followers_of if follows else ())]
    rows = await conn.fetch(
        RECORD,
        kind.value,
        ids,
        [e.video_id for e in events],
        [e.character_id for e in events],
        [e.actor_id for e in events],
        *_columns(users),
        *_columns(members),
        *_columns(followers),
    )
    recipients: dict[UUID, list[UUID]] = {event_id: [] for event_id in ids}
    for row in rows:
        recipients[row["event_id"]].append(row["recipient_id"])
    return [
        Event(event_id, kind, tuple(recipients[event_id]), _concerned(e, follows))
        for event_id, e in zip(ids, events, strict=True)
    ]


def _columns(pairs: list[tuple[UUID, UUID]]) -> tuple[list[UUID], list[UUID]]:
    return [event_id for event_id, _ in pairs], [other for _, other in pairs]


def _concerned(event: NewEvent, follows: bool) -> tuple[UUID, ...]:
    """The characters whose channels carry the event."""
    followed = event.followers_of if follows else ()
    character = [event.character_id] if event.character_id else []
    return tuple(dict.fromkeys([*event.members_of_holders_of, *followed, *character]))


async def publish(redis: Redis, event: Event, *, also: Mapping[str, str] | None = None) -> None:
    """Announce a committed event to the inbox channel of each recipient and each concerned character's
    channel (nothing when nobody received it). Fire and forget: the rows stay the source of truth.
    `also` (channel → message) goes out in the same round trip, e.g. the video's new status."""
    await publish_all(redis, [event], also=also)


async def publish_all(redis: Redis, events: Sequence[Event], *, also: Mapping[str, str] | None = None) -> None:
    """`publish` for several events, in as few round trips as the messages allow. Never raises: the
    change is committed whatever happens here, and a Redis error is logged (subscribers miss it)."""
    messages = list((also or {}).items())
    for event in events:
        if event.recipient_ids:
            channels = [keys.activity_inbox_channel(user_id) for user_id in event.recipient_ids]
            channels += [keys.character_activity_channel(character_id) for character_id in event.character_ids]
            message = announcement(event)
            messages += [(channel, message) for channel in channels]
    try:
        for start in range(0, len(messages), PUBLISH_BATCH):
            async with redis.pipeline(transaction=False) as pipe:
                for channel, message in messages[start : start + PUBLISH_BATCH]:
                    pipe.publish(channel, message)
                await pipe.execute()
    except (RedisError, OSError) as exc:
        logger.warning("could not announce %d messages (%d events): %r", len(messages), len(events), exc)


def announcement(event: Event) -> str:
    """What the channels carry: "<event id> <kind>" (the kind lets a subscriber skip what it may not see
    without a query)."""
    return f"{event.id} {event.kind.value}"


def parse_announcement(data: bytes | str) -> tuple[UUID, ActivityKind] | None:
    """The (event id, kind) of an announcement; None when it is not one."""
    text = data.decode() if isinstance(data, bytes) else data
    event_id, _, kind = text.partition(" ")
    try:
        return UUID(event_id), ActivityKind(kind)
    except ValueError:
        return None


def shown_to_recipient(recipient: str) -> str:
    """SQL: the activity row aliased `a` is shown to `recipient` (an SQL expression): not of a social
    kind whose actor, or whose video's creator, is hidden from them (suspended, or in a block)."""
    social = ", ".join(f"'{kind.value}'" for kind in sorted(SOCIAL_KINDS))
    return f"""(a.kind NOT IN ({social}) OR NOT (
    (a.actor_id IS NOT NULL AND {hidden_user(recipient, "a.actor_id")})
    OR EXISTS (SELECT 1 FROM videos av WHERE av.id = a.video_id AND av.creator_id <> {recipient}
               AND {hidden_user(recipient, "av.creator_id")})))"""


GET_ACTIVITIES = f"SELECT {COLUMNS} FROM activities WHERE id = ANY($1::uuid[])"


async def get_activities(conn: asyncpg.Connection, *, activity_ids: Sequence[UUID]) -> list[Activity]:
    return [_activity(row) for row in await conn.fetch(GET_ACTIVITIES, list(activity_ids))]


OF_EVENT = f"""
SELECT {COLUMNS} FROM activities a WHERE a.event_id = $1 AND a.recipient_id = $2 AND {shown_to_recipient("$2")}
"""


async def activity_of_event(conn: asyncpg.Connection, *, event_id: UUID, recipient_id: UUID) -> Activity | None:
    """A recipient's own row of an event; None when the event did not reach them (or is hidden from them)."""
    row = await conn.fetchrow(OF_EVENT, event_id, recipient_id)
    return _activity(row) if row else None


def _inbox_sql(*, unread_only: bool, after: bool) -> str:
    # Four fixed statements rather than "$n IS NULL OR ..." so each plan uses its index's bounds.
    where = ["recipient_id = $1", shown_to_recipient("$1")]
    if unread_only:
        where.append("read_at IS NULL")
    if after:
        where.append("(created_at, id) < ($3::timestamptz, $4::uuid)")
    return f"SELECT {COLUMNS} FROM activities a WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT $2"


INBOX = {
    (unread, after): _inbox_sql(unread_only=unread, after=after) for unread in (False, True) for after in (False, True)
}


async def inbox(
    conn: asyncpg.Connection,
    *,
    recipient_id: UUID,
    after: tuple[datetime, UUID] | None,
    limit: int,
    unread_only: bool = False,
) -> list[Activity]:
    """A user's activity, newest first (keyset: created_at, id), but what is hidden from them (RULES §10)."""
    sql = INBOX[unread_only, after is not None]
    rows = await conn.fetch(sql, recipient_id, limit, *(after or ()))
    return [_activity(row) for row in rows]


MARK_READ = """
UPDATE activities SET read_at = now()
WHERE recipient_id = $1 AND id = ANY($2::uuid[]) AND read_at IS NULL
"""


async def mark_read(conn: asyncpg.Connection, *, recipient_id: UUID, activity_ids: Sequence[UUID]) -> int:
    """Mark the recipient's own unread rows among `activity_ids` read; how many changed."""
    status: str = await conn.execute(MARK_READ, recipient_id, list(activity_ids))
    return int(status.rsplit(" ", 1)[1])


RELATION = """
SELECT EXISTS (SELECT 1 FROM characters c JOIN holder_members m ON m.holder_id = c.holder_id
               WHERE c.id = $1 AND m.user_id = $2) AS member,
       EXISTS (SELECT 1 FROM character_follows WHERE character_id = $1 AND user_id = $2) AS follower
"""


async def character_relation(conn: asyncpg.Connection, *, character_id: UUID, user_id: UUID) -> tuple[bool, bool]:
    """(member of the character's holder, follower of the character)."""
    row = await conn.fetchrow(RELATION, character_id, user_id)
    return row["member"], row["follower"]
