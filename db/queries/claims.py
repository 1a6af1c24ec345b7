"""Claims on missed characters and appeals (RULES §8): rows, lists, and the revenue they hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from db.queries.revenue import PartyCredit
from domain.claims import ClaimAction, ClaimKind, ClaimStatus


@dataclass(frozen=True)
class Claim:
    id: UUID
    kind: ClaimKind
    video_id: UUID
    character_id: UUID | None
    holder_id: UUID | None
    filed_by: UUID
    action: ClaimAction | None
    status: ClaimStatus
    reason: str
    response: str | None
    deadline: datetime | None
    appealed_status: str | None
    views_from: int | None
    views_to: int | None
    held_micros: int
    created_at: datetime
    resolved_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in (ClaimStatus.OPEN, ClaimStatus.DISPUTED)


COLUMNS = """c.id, c.kind, c.video_id, c.character_id, c.holder_id, c.filed_by, c.action, c.status, c.reason,
c.response, c.deadline, c.appealed_status, c.views_from, c.views_to, c.held_micros, c.created_at, c.resolved_at"""


def _claim(row: asyncpg.Record) -> Claim:
    return Claim(
        **{
            **dict(row),
            "kind": ClaimKind(row["kind"]),
            "action": ClaimAction(row["action"]) if row["action"] else None,
            "status": ClaimStatus(row["status"]),
        }
    )


INSERT = f"""
INSERT INTO claims AS c (kind, video_id, character_id, holder_id, filed_by, action, reason, deadline,
                         appealed_status, views_from)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING {COLUMNS}
"""


async def insert_claim(
    conn: asyncpg.Connection,
    *,
    kind: ClaimKind,
    video_id: UUID,
    filed_by: UUID,
    reason: str,
    deadline: datetime,
    character_id: UUID | None = None,
    holder_id: UUID | None = None,
    action: ClaimAction | None = None,
    appealed_status: str | None = None,
    views_from: int | None = None,
) -> Claim:
    row = await conn.fetchrow(
        INSERT,
        kind.value,
        video_id,
        character_id,
        holder_id,
        filed_by,
        action.value if action else None,
        reason,
        deadline,
        appealed_status,
        views_from,
    )
    return _claim(row)


GET = f"SELECT {COLUMNS} FROM claims c WHERE c.id = ANY($1::uuid[])"
LOCK = f"SELECT {COLUMNS} FROM claims c WHERE c.id = $1 FOR UPDATE"


async def get_claims(conn: asyncpg.Connection, *, claim_ids: Sequence[UUID]) -> list[Claim]:
    return [_claim(row) for row in await conn.fetch(GET, list(claim_ids))]


async def lock_claim(conn: asyncpg.Connection, *, claim_id: UUID) -> Claim | None:
    row = await conn.fetchrow(LOCK, claim_id)
    return _claim(row) if row else None


OF_VIDEOS = f"""
SELECT {COLUMNS} FROM claims c WHERE c.video_id = ANY($1::uuid[])
ORDER BY c.video_id, c.status NOT IN ('OPEN', 'DISPUTED'), c.created_at DESC, c.id DESC
"""


async def claims_of_videos(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> dict[UUID, list[Claim]]:
    """Each video's claims, open ones first, then newest first."""
    found: dict[UUID, list[Claim]] = {video_id: [] for video_id in video_ids}
    for row in await conn.fetch(OF_VIDEOS, list(video_ids)):
        found[row["video_id"]].append(_claim(row))
    return found


def _page_sql(owner: str) -> str:
    return f"""
SELECT {COLUMNS} FROM claims c JOIN videos v ON v.id = c.video_id
WHERE {owner} AND ($2::text IS NULL OR c.status = $2)
  AND ($3::timestamptz IS NULL OR (c.created_at, c.id) < ($3::timestamptz, $4::uuid))
ORDER BY c.created_at DESC, c.id DESC LIMIT $5
"""


OF_HOLDER = _page_sql("c.holder_id = $1")
# The viewer's videos' claims: filed against them, and their own appeals.
OF_CREATOR = _page_sql("v.creator_id = $1")


async def claims_page(
    conn: asyncpg.Connection,
    *,
    holder_id: UUID | None = None,
    creator_id: UUID | None = None,
    status: ClaimStatus | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[Claim]:
    """A holder's claims or those on a creator's videos, newest first (keyset: created_at, id)."""
    sql, owner = (OF_HOLDER, holder_id) if holder_id is not None else (OF_CREATOR, creator_id)
    created_at, last_id = after if after else (None, None)
    rows = await conn.fetch(sql, owner, status.value if status else None, created_at, last_id, limit)
    return [_claim(row) for row in rows]


HOLDING = """
SELECT video_id, id FROM claims
WHERE video_id = ANY($1::uuid[]) AND kind = 'MISSED_CHARACTER' AND status IN ('OPEN', 'DISPUTED')
"""


async def holding(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> dict[UUID, UUID]:
    """The open claim holding each video's revenue, for the videos that have one."""
    return {row["video_id"]: row["id"] for row in await conn.fetch(HOLDING, list(video_ids))}


ADD_HELD = """
UPDATE claims c SET held_micros = c.held_micros + d.amount
FROM unnest($1::uuid[], $2::bigint[]) AS d (id, amount) WHERE c.id = d.id
"""


async def add_held(conn: asyncpg.Connection, *, amounts: Mapping[UUID, int]) -> None:
    if amounts:
        await conn.execute(ADD_HELD, list(amounts), list(amounts.values()))


LOCK_CREDITED = """
WITH ensured AS (INSERT INTO video_revenue (video_id) VALUES ($1) ON CONFLICT (video_id) DO NOTHING)
SELECT credited_views FROM video_revenue WHERE video_id = $1 FOR UPDATE
"""


async def lock_credited_views(conn: asyncpg.Connection, *, video_id: UUID) -> int:
    """The video's credited views, its revenue row locked (crediting skips it until commit)."""
    views: int | None = await conn.fetchval(LOCK_CREDITED, video_id)
    if views is None:  # the row was inserted by this statement, invisible to its own SELECT
        views = await conn.fetchval(LOCK_CREDITED, video_id)
    assert views is not None
    return views


RELEASED_SINCE = """
SELECT resolved_at FROM claims
WHERE holder_id = $1 AND status IN ('RELEASED', 'EXPIRED') AND kind = 'MISSED_CHARACTER' AND resolved_at > $2
"""


async def released_since(conn: asyncpg.Connection, *, holder_id: UUID, since: datetime) -> list[datetime]:
    return [row[0] for row in await conn.fetch(RELEASED_SINCE, holder_id, since)]


DISPUTE = f"""
UPDATE claims c SET status = 'DISPUTED', response = $2, deadline = $3 WHERE c.id = $1 RETURNING {COLUMNS}
"""


async def dispute(conn: asyncpg.Connection, *, claim_id: UUID, response: str, deadline: datetime) -> Claim:
    return _claim(await conn.fetchrow(DISPUTE, claim_id, response, deadline))


RESOLVE = f"""
UPDATE claims c SET status = $2, response = coalesce($3, c.response), resolved_at = $4, deadline = NULL,
    views_to = $5, release_transaction_id = $6
WHERE c.id = $1 RETURNING {COLUMNS}
"""


async def resolve(
    conn: asyncpg.Connection,
    *,
    claim_id: UUID,
    status: ClaimStatus,
    response: str | None,
    at: datetime,
    views_to: int | None,
    release_transaction_id: UUID | None,
) -> Claim:
    row = await conn.fetchrow(RESOLVE, claim_id, status.value, response, at, views_to, release_transaction_id)
    return _claim(row)


DUE = "SELECT id FROM claims WHERE status IN ('OPEN', 'DISPUTED') AND deadline <= $1 ORDER BY deadline LIMIT $2"


async def due_claim_ids(conn: asyncpg.Connection, *, now: datetime, limit: int = 500) -> list[UUID]:
    return [row[0] for row in await conn.fetch(DUE, now, limit)]


INSERT_RELEASE_SHARES = """
INSERT INTO revenue_credits (credit_id, party, account_id, holder_id, character_id, user_id, item_video_id,
                             amount_micros, views, created_at)
SELECT $1, r.party, r.account_id, r.holder_id, r.character_id, r.user_id, r.item_video_id, r.amount, $2, now()
FROM unnest($3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::uuid[], $9::bigint[])
    AS r (party, account_id, holder_id, character_id, user_id, item_video_id, amount)
"""


async def record_release(
    conn: asyncpg.Connection, *, claim_id: UUID, views: int, parties: Sequence[PartyCredit]
) -> None:
    """Who got what of a claim's held revenue, as revenue credits of the claim (earnings read them)."""
    await conn.execute(
        INSERT_RELEASE_SHARES,
        claim_id,
        views,
        [p.party for p in parties],
        [p.account_id for p in parties],
        [p.holder_id for p in parties],
        [p.character_id for p in parties],
        [p.user_id for p in parties],
        [p.item_video_id for p in parties],
        [p.amount_micros for p in parties],
    )


ADD_LICENSE = """
INSERT INTO video_licenses (video_id, character_id, position, policy_version, revenue_share_bps,
                            generation_fee_micros, attribution, joined_at_views)
SELECT $1, $2, coalesce((SELECT max(position) FROM video_licenses WHERE video_id = $1), 0) + 1, $3, $4, 0, $5, $6
"""


async def add_license(
    conn: asyncpg.Connection,
    *,
    video_id: UUID,
    character_id: UUID,
    policy_version: int,
    share_bps: int,
    attribution: str | None,
    joined_at_views: int,
) -> None:
    """The claimed character joins the video, last, with its rates locked as of now and no fee."""
    await conn.execute(ADD_LICENSE, video_id, character_id, policy_version, share_bps, attribution, joined_at_views)


JOINED = """
SELECT video_id, character_id, joined_at_views FROM video_licenses
WHERE video_id = ANY($1::uuid[]) AND joined_at_views IS NOT NULL
"""


async def joined_licenses(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> dict[tuple[UUID, UUID], int]:
    """(video, character) → credited views from which a license added by a claim counts."""
    return {(row[0], row[1]): row[2] for row in await conn.fetch(JOINED, list(video_ids))}


RANGES = """
SELECT video_id, status, views_from, views_to FROM claims
WHERE video_id = ANY($1::uuid[]) AND kind = 'MISSED_CHARACTER'
"""


async def held_ranges(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> dict[UUID, list[asyncpg.Record]]:
    found: dict[UUID, list[asyncpg.Record]] = {}
    for row in await conn.fetch(RANGES, list(video_ids)):
        found.setdefault(row["video_id"], []).append(row)
    return found
