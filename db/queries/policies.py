"""Versioned character policies, creator approvals, and denied-attempt counters."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.policy import Audience, Policy, RestrictAction
from domain.rating import Rating


@dataclass(slots=True)  # read-only; not frozen: a frozen __init__ costs 5x (list pages make hundreds)
class PublishedPolicy:
    character_id: UUID
    policy: Policy
    published_at: datetime


POLICY_COLUMNS = """
character_id, version, audience, requires_review, allow_derivatives, allow_crossovers,
blocked_co_character_ids, max_rating, banned_terms, max_duration_seconds, attribution,
revenue_share_bps, generation_fee_micros, on_restrict, published_at
"""


# Members by value: dict lookups instead of enum calls (~1 µs each), for each character of a page.
AUDIENCES = {audience.value: audience for audience in Audience}
RESTRICT_ACTIONS = {action.value: action for action in RestrictAction}


def published_policy(row: asyncpg.Record) -> PublishedPolicy:
    policy = Policy(
        version=row["version"],
        audience=AUDIENCES[row["audience"]],
        requires_review=row["requires_review"],
        allow_derivatives=row["allow_derivatives"],
        allow_crossovers=row["allow_crossovers"],
        blocked_co_character_ids=frozenset(row["blocked_co_character_ids"]),
        max_rating=Rating[row["max_rating"]],
        banned_terms=tuple(row["banned_terms"]),
        max_duration_seconds=row["max_duration_seconds"],
        attribution=row["attribution"],
        revenue_share_bps=row["revenue_share_bps"],
        generation_fee_micros=row["generation_fee_micros"],
        on_restrict=RESTRICT_ACTIONS[row["on_restrict"]],
    )
    return PublishedPolicy(row["character_id"], policy, row["published_at"])


# The caller holds the character's row lock (characters.lock_character), so versions never race.
INSERT_POLICY = f"""
INSERT INTO character_policies (
    character_id, version, audience, requires_review, allow_derivatives, allow_crossovers,
    blocked_co_character_ids, max_rating, banned_terms, max_duration_seconds, attribution,
    revenue_share_bps, generation_fee_micros, on_restrict, published_by)
SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
FROM character_policies WHERE character_id = $1
RETURNING {POLICY_COLUMNS}
"""


async def publish_policy(
    conn: asyncpg.Connection, *, character_id: UUID, policy: Policy, published_by: UUID | None
) -> PublishedPolicy:
    row = await conn.fetchrow(
        INSERT_POLICY,
        character_id,
        policy.audience.value,
        policy.requires_review,
        policy.allow_derivatives,
        policy.allow_crossovers,
        sorted(policy.blocked_co_character_ids),
        policy.max_rating.name,
        list(policy.banned_terms),
        policy.max_duration_seconds,
        policy.attribution,
        policy.revenue_share_bps,
        policy.generation_fee_micros,
        policy.on_restrict.value,
        published_by,
    )
    return published_policy(row)


# The current policy (highest version) of the character `c` of the enclosing query, as one composite
# value (read it with `published_policy`).
CURRENT_POLICY_OF_C = "(SELECT p FROM character_policies p WHERE p.character_id = c.id ORDER BY p.version DESC LIMIT 1)"

CURRENT_POLICIES = f"""
SELECT DISTINCT ON (character_id) {POLICY_COLUMNS} FROM character_policies
WHERE character_id = ANY($1::uuid[]) ORDER BY character_id, version DESC
"""


async def current_policies(conn: asyncpg.Connection, *, character_ids: Sequence[UUID]) -> dict[UUID, PublishedPolicy]:
    rows = await conn.fetch(CURRENT_POLICIES, list(character_ids))
    return {row["character_id"]: published_policy(row) for row in rows}


HISTORY = f"SELECT {POLICY_COLUMNS} FROM character_policies WHERE character_id = $1 ORDER BY version DESC"


async def policy_history(conn: asyncpg.Connection, *, character_id: UUID) -> list[PublishedPolicy]:
    return [published_policy(row) for row in await conn.fetch(HISTORY, character_id)]


EXISTING = "SELECT id FROM characters WHERE id = ANY($1::uuid[])"


async def existing_character_ids(conn: asyncpg.Connection, *, character_ids: Iterable[UUID]) -> set[UUID]:
    return {row["id"] for row in await conn.fetch(EXISTING, list(character_ids))}


def with_version(policy: Policy, version: int) -> Policy:
    return dataclasses.replace(policy, version=version)


# ---------------------------------------------------------------- approvals

APPROVE = """
INSERT INTO creator_approvals (character_id, user_id, approved_by) VALUES ($1, $2, $3)
ON CONFLICT ON CONSTRAINT creator_approvals_pkey DO NOTHING
"""
REVOKE = "DELETE FROM creator_approvals WHERE character_id = $1 AND user_id = $2"


async def approve_creator(conn: asyncpg.Connection, *, character_id: UUID, user_id: UUID, approved_by: UUID) -> None:
    await conn.execute(APPROVE, character_id, user_id, approved_by)


async def revoke_creator(conn: asyncpg.Connection, *, character_id: UUID, user_id: UUID) -> None:
    await conn.execute(REVOKE, character_id, user_id)


# ---------------------------------------------------------------- denied attempts

COUNT_DENIED = """
INSERT INTO denied_attempts (character_id, code, hour, count)
SELECT character_id, code, date_trunc('hour', now()), count(*)
FROM unnest($1::uuid[], $2::text[]) AS t(character_id, code)
GROUP BY character_id, code
ON CONFLICT ON CONSTRAINT denied_attempts_pkey
DO UPDATE SET count = denied_attempts.count + excluded.count
"""


async def count_denied(conn: asyncpg.Connection, *, denials: Sequence[tuple[UUID, str]]) -> None:
    """Add one to the counter of each (character, reason code)."""
    if denials:
        await conn.execute(COUNT_DENIED, [d[0] for d in denials], [d[1] for d in denials])


DENIED = """
SELECT code, sum(count)::integer AS count FROM denied_attempts
WHERE character_id = $1 AND hour >= date_trunc('hour', $2::timestamptz) AND hour < $3
GROUP BY code ORDER BY count DESC, code
"""


async def denied_counts(
    conn: asyncpg.Connection, *, character_id: UUID, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    return [(row["code"], row["count"]) for row in await conn.fetch(DENIED, character_id, start, end)]
