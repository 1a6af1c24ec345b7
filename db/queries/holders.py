"""Holders (organisations and persons) and their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.policy import HolderKind
from domain.verification import VerificationStatus, initial_status


@dataclass(slots=True)  # read-only; not frozen: a frozen __init__ costs 5x (list pages make hundreds)
class Holder:
    id: UUID
    name: str
    kind: HolderKind
    person_user_id: UUID | None
    created_at: datetime
    verification: VerificationStatus = VerificationStatus.VERIFIED
    verification_requested_at: datetime | None = None


def holder_from_row(row: asyncpg.Record) -> Holder:
    return Holder(
        row["id"],
        row["name"],
        HolderKind(row["kind"]),
        row["person_user_id"],
        row["created_at"],
        VerificationStatus(row["verification"]),
        row["verification_requested_at"],
    )


HOLDER_COLUMNS = "id, name, kind, person_user_id, created_at, verification, verification_requested_at"
INSERT_HOLDER = f"""
INSERT INTO holders (name, kind, person_user_id, verification) VALUES ($1, $2, $3, $4) RETURNING {HOLDER_COLUMNS}
"""


async def insert_holder(
    conn: asyncpg.Connection, *, name: str, kind: HolderKind, person_user_id: UUID | None = None
) -> Holder:
    status = initial_status(kind).value
    return holder_from_row(await conn.fetchrow(INSERT_HOLDER, name, kind.value, person_user_id, status))


GET_HOLDERS = f"SELECT {HOLDER_COLUMNS} FROM holders WHERE id = ANY($1::uuid[])"


async def get_holders(conn: asyncpg.Connection, *, holder_ids: Sequence[UUID]) -> list[Holder]:
    return [holder_from_row(row) for row in await conn.fetch(GET_HOLDERS, list(holder_ids))]


async def get_holder(conn: asyncpg.Connection, *, holder_id: UUID) -> Holder | None:
    found = await get_holders(conn, holder_ids=[holder_id])
    return found[0] if found else None


ADD_MEMBER = """
INSERT INTO holder_members (holder_id, user_id, added_by) VALUES ($1, $2, $3)
ON CONFLICT ON CONSTRAINT holder_members_pkey DO NOTHING
"""


async def add_member(conn: asyncpg.Connection, *, holder_id: UUID, user_id: UUID, added_by: UUID | None) -> bool:
    """True when the user was not a member yet."""
    return str(await conn.execute(ADD_MEMBER, holder_id, user_id, added_by)) == "INSERT 0 1"


MEMBER_HOLDER_IDS = "SELECT holder_id FROM holder_members WHERE user_id = $1"


async def member_holder_ids(conn: asyncpg.Connection, *, user_id: UUID) -> frozenset[UUID]:
    return frozenset(row["holder_id"] for row in await conn.fetch(MEMBER_HOLDER_IDS, user_id))


IS_MEMBER = "SELECT EXISTS (SELECT 1 FROM holder_members WHERE holder_id = $1 AND user_id = $2)"


async def is_member(conn: asyncpg.Connection, *, holder_id: UUID, user_id: UUID) -> bool:
    member: bool = await conn.fetchval(IS_MEMBER, holder_id, user_id)
    return member


MEMBERS = "SELECT user_id FROM holder_members WHERE holder_id = $1 ORDER BY created_at, user_id"


async def member_ids(conn: asyncpg.Connection, *, holder_id: UUID) -> list[UUID]:
    return [row["user_id"] for row in await conn.fetch(MEMBERS, holder_id)]


HOLDERS_OF_USER = f"""
SELECT {", ".join("h." + c.strip() for c in HOLDER_COLUMNS.split(","))}
FROM holder_members m JOIN holders h ON h.id = m.holder_id
WHERE m.user_id = $1 ORDER BY h.created_at, h.id
"""


async def holders_of_user(conn: asyncpg.Connection, *, user_id: UUID) -> list[Holder]:
    return [holder_from_row(row) for row in await conn.fetch(HOLDERS_OF_USER, user_id)]


PERSON_HOLDER = f"SELECT {HOLDER_COLUMNS} FROM holders WHERE person_user_id = $1"


async def person_holder(conn: asyncpg.Connection, *, user_id: UUID) -> Holder | None:
    row = await conn.fetchrow(PERSON_HOLDER, user_id)
    return holder_from_row(row) if row else None


# ---------------------------------------------------------------- verification (RULES §11)

LOCK_HOLDER = f"SELECT {HOLDER_COLUMNS} FROM holders WHERE id = $1 FOR NO KEY UPDATE"


async def lock_holder(conn: asyncpg.Connection, *, holder_id: UUID) -> Holder | None:
    """The holder, its row locked for this transaction (verification decisions never race)."""
    row = await conn.fetchrow(LOCK_HOLDER, holder_id)
    return holder_from_row(row) if row else None


REQUEST_VERIFICATION = f"""
UPDATE holders SET verification = 'PENDING', verification_evidence = $2, verification_requested_at = now(),
    verification_decided_at = NULL, verification_decided_by = NULL, verification_note = NULL
WHERE id = $1 RETURNING {HOLDER_COLUMNS}
"""


async def request_verification(conn: asyncpg.Connection, *, holder_id: UUID, evidence: str) -> Holder:
    return holder_from_row(await conn.fetchrow(REQUEST_VERIFICATION, holder_id, evidence))


DECIDE_VERIFICATION = f"""
UPDATE holders SET verification = $2, verification_decided_at = now(), verification_decided_by = $3,
    verification_note = $4
WHERE id = $1 RETURNING {HOLDER_COLUMNS}
"""


async def decide_verification(
    conn: asyncpg.Connection,
    *,
    holder_id: UUID,
    status: VerificationStatus,
    decided_by: UUID | None,
    note: str | None,
) -> Holder:
    return holder_from_row(await conn.fetchrow(DECIDE_VERIFICATION, holder_id, status.value, decided_by, note))


VERIFICATION_QUEUE = f"""
SELECT {HOLDER_COLUMNS} FROM holders
WHERE verification = 'PENDING'
  AND ($1::timestamptz IS NULL OR (verification_requested_at, id) > ($1::timestamptz, $2::uuid))
ORDER BY verification_requested_at, id LIMIT $3
"""


async def verification_queue(
    conn: asyncpg.Connection, *, after: tuple[datetime, UUID] | None, limit: int
) -> list[Holder]:
    """Holders waiting for an operator, oldest request first (keyset: requested at, id)."""
    requested_at, last_id = after if after else (None, None)
    return [holder_from_row(row) for row in await conn.fetch(VERIFICATION_QUEUE, requested_at, last_id, limit)]


EVIDENCE = "SELECT verification_evidence FROM holders WHERE id = $1"


async def verification_evidence(conn: asyncpg.Connection, *, holder_id: UUID) -> str | None:
    evidence: str | None = await conn.fetchval(EVIDENCE, holder_id)
    return evidence
