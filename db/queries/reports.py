"""Reports of videos, comments and users, and the moderation actions taken on them (RULES §10)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from db.queries import activity, social
from domain.activity import ActivityKind

COLUMNS = "id, reporter_id, subject_kind, subject_id, comment, reason, note, status, created_at"


@dataclass(frozen=True)
class Report:
    id: UUID
    reporter_id: UUID
    subject_kind: str  # Video, Comment or User
    subject_id: UUID
    comment: social.Comment | None  # a reported comment as it was (kept after its deletion)
    reason: str
    note: str | None
    status: str
    created_at: datetime


def _report(row: asyncpg.Record) -> Report:
    return Report(**{**dict(row), "comment": _comment(row["comment"]) if row["comment"] else None})


def _snapshot(comment: social.Comment) -> str:
    fields = {"id": comment.id, "video_id": comment.video_id, "author_id": comment.author_id}
    return json.dumps(
        {**{k: str(v) for k, v in fields.items()}, "body": comment.body, "created_at": comment.created_at.isoformat()}
    )


def _comment(snapshot: str) -> social.Comment:
    fields = json.loads(snapshot)
    return social.Comment(
        id=UUID(fields["id"]),
        video_id=UUID(fields["video_id"]),
        author_id=UUID(fields["author_id"]),
        body=fields["body"],
        created_at=datetime.fromisoformat(fields["created_at"]),
    )


INSERT = f"""
INSERT INTO reports (reporter_id, subject_kind, subject_id, comment, reason, note) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (reporter_id, subject_id) DO NOTHING
RETURNING {COLUMNS}
"""


async def insert(
    conn: asyncpg.Connection,
    *,
    reporter_id: UUID,
    subject_kind: str,
    subject_id: UUID,
    comment: social.Comment | None,
    reason: str,
    note: str | None,
) -> Report | None:
    """The new report; None when this reporter already reported this subject."""
    snapshot = _snapshot(comment) if comment is not None else None
    row = await conn.fetchrow(INSERT, reporter_id, subject_kind, subject_id, snapshot, reason, note)
    return _report(row) if row else None


GET = f"SELECT {COLUMNS} FROM reports WHERE id = ANY($1::uuid[])"


async def get_reports(conn: asyncpg.Connection, *, report_ids: Sequence[UUID]) -> list[Report]:
    return [_report(row) for row in await conn.fetch(GET, list(report_ids))]


LOCK = f"SELECT {COLUMNS} FROM reports WHERE id = $1 FOR UPDATE"


async def lock(conn: asyncpg.Connection, *, report_id: UUID) -> Report | None:
    row = await conn.fetchrow(LOCK, report_id)
    return _report(row) if row else None


QUEUE = f"""
SELECT {COLUMNS} FROM reports
WHERE status = 'OPEN' AND ($1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid))
ORDER BY created_at, id LIMIT $3
"""


async def open_reports(conn: asyncpg.Connection, *, after: tuple[datetime, UUID] | None, limit: int) -> list[Report]:
    """The moderation queue: open reports, oldest first."""
    created_at, last_id = after if after else (None, None)
    return [_report(row) for row in await conn.fetch(QUEUE, created_at, last_id, limit)]


# One decision closes every open report of the subject: each is recorded as acted on by this
# operator (about user $8 for a suspension), and each reporter gets an activity row pointing at
# their own report.
RESOLVE = """
WITH closed AS (
    UPDATE reports SET status = $3, resolved_at = now()
    WHERE subject_id = $1 AND status = 'OPEN'
    RETURNING id, reporter_id
), recorded AS (
    INSERT INTO moderation_actions (report_id, operator_id, action, note, user_id)
    SELECT id, $2, $4, $5, $8 FROM closed
), told AS (
    INSERT INTO activities (event_id, recipient_id, kind, video_id, report_id, created_at)
    SELECT gen_random_uuid(), reporter_id, $6, $7, id, clock_timestamp() FROM closed
    RETURNING recipient_id, event_id
)
SELECT recipient_id, event_id FROM told
"""


async def resolve(
    conn: asyncpg.Connection,
    *,
    report: Report,
    operator_id: UUID,
    action: str,
    note: str | None,
    video_id: UUID | None,
    user_id: UUID | None = None,
) -> list[activity.Event]:
    """Close the subject's open reports with `action` (`user_id`: the user it suspends); the reporters'
    events, to publish after commit."""
    dismissed = action == "DISMISS"
    kind = ActivityKind.REPORT_DISMISSED if dismissed else ActivityKind.REPORT_ACTIONED
    status = "DISMISSED" if dismissed else "ACTIONED"
    rows = await conn.fetch(
        RESOLVE, report.subject_id, operator_id, status, action, note, kind.value, video_id, user_id
    )
    return [activity.Event(row["event_id"], kind, (row["recipient_id"],), ()) for row in rows]


@dataclass(frozen=True)
class Action:
    operator_id: UUID | None
    action: str
    note: str | None
    created_at: datetime


ACTION_COLUMNS = "operator_id, action, note, created_at"
ACTIONS = f"SELECT {ACTION_COLUMNS} FROM moderation_actions WHERE report_id = $1 ORDER BY id"


async def actions_of(conn: asyncpg.Connection, *, report_id: UUID) -> list[Action]:
    return [Action(**dict(row)) for row in await conn.fetch(ACTIONS, report_id)]


ACTIONS_ON_USER = f"SELECT {ACTION_COLUMNS} FROM moderation_actions WHERE user_id = $1 ORDER BY id"


async def actions_on_user(conn: asyncpg.Connection, *, user_id: UUID) -> list[Action]:
    """The user's suspensions and their lifting, oldest first."""
    return [Action(**dict(row)) for row in await conn.fetch(ACTIONS_ON_USER, user_id)]


RECORD_UNSUSPEND = f"""
INSERT INTO moderation_actions (operator_id, action, note, user_id) VALUES ($1, 'UNSUSPEND_USER', $2, $3)
RETURNING {ACTION_COLUMNS}
"""


async def record_unsuspend(conn: asyncpg.Connection, *, operator_id: UUID, user_id: UUID, note: str | None) -> Action:
    """Record that `operator_id` lifted the user's suspension, now."""
    return Action(**dict(await conn.fetchrow(RECORD_UNSUSPEND, operator_id, note, user_id)))
