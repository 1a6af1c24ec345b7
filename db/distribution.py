"""The scale-out plan on Citus, as data, and the check that a statement would need no cross-shard join.

README "Scale-out" says why each table is where it is. In short: the tables that grow with every
view or every money movement are distributed: view events and the per-video view counters by
video id (one colocation group), ledger accounts, entries and pending balances by account id
(another); the small, read-everywhere catalogue (characters, aliases, policies, holders,
members) is replicated to every node as reference tables; the social graph and the videos stay
on the coordinator, with read replicas for the feed. tests/db/test_scale_out.py runs the hot
paths, captures their statements and checks each against this plan with `cross_shard_problems`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg

BY_VIDEO, BY_ACCOUNT = "video", "account"

# table -> (colocation group, distribution column)
DISTRIBUTED: dict[str, tuple[str, str]] = {
    "view_events": (BY_VIDEO, "video_id"),
    "view_day_counts": (BY_VIDEO, "video_id"),
    "uncredited_views": (BY_VIDEO, "video_id"),
    "video_revenue": (BY_VIDEO, "video_id"),
    "view_credits": (BY_VIDEO, "video_id"),
    "ledger_entries": (BY_ACCOUNT, "account_id"),
    "ledger_pending_balances": (BY_ACCOUNT, "account_id"),
}
# Replicated to every node: small, read by nearly every statement, rarely written.
REFERENCE = frozenset(
    {"characters", "character_aliases", "character_policies", "holders", "holder_members", "operator_grants"}
)
# On the coordinator only (one node, with read replicas).
LOCAL = frozenset(
    {
        "schema_migrations",
        "users",
        "auth_tokens",
        "user_follows",
        "character_follows",
        "creator_approvals",
        "videos",
        "video_licenses",
        "video_likes",
        "comments",
        "trending_snapshots",
        "trending_ranks",
        "activities",
        "denied_attempts",
        "ledger_accounts",
        "ledger_transactions",
        "revenue_credits",
        "devices",
        "device_users",
        "anonymous_ip_views",
        "data_exports",
        "claims",
        "debts",
        "payment_reversals",
        "payout_destinations",
        "payouts",
        # Safety and steering (issue 15): the social graph's kin, read with the feed on the coordinator.
        "user_blocks",
        "reports",
        "moderation_actions",
        "feed_preferences",
        "see_less",
    }
)

SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema"})
# alias.column = (alias.column | $n | 'a constant'::type), as EXPLAIN VERBOSE prints conditions
_PARTITION_ALIAS = re.compile(r"(.+)_\d+")
_EQUALITY = re.compile(r"\(?\b(\w+)\.(\w+)\)? = \(?(\$\d+|\w+\.\w+|'[^']*'(?:::\w+)?)\)?")


@dataclass(frozen=True)
class Relation:
    table: str  # the partitioned parent when the plan names a partition
    alias: str
    written: bool  # the target of INSERT / UPDATE / DELETE
    # A partition's scan is aliased `<alias>_<n>` after its table's alias, which the join conditions use.
    parent_alias: str | None = None


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


async def plan_relations(conn: asyncpg.Connection, plan: dict[str, Any]) -> dict[str, Relation]:
    """The tables an EXPLAIN (VERBOSE, FORMAT JSON) plan reads and writes, by alias."""
    found: dict[str, Relation] = {}
    for node in _nodes(plan):
        name = node.get("Relation Name")
        if name is None or node.get("Schema", "public") in SYSTEM_SCHEMAS:
            continue  # the catalogue is on every node
        root = await conn.fetchval(
            "SELECT coalesce(pg_partition_root(c.oid), c.oid)::regclass::text FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
            node.get("Schema", "public"),
            name,
        )
        alias = node.get("Alias", name)
        written = node["Node Type"] == "ModifyTable"
        previous = found.get(alias)
        parent = _PARTITION_ALIAS.fullmatch(alias) if root and root != name else None
        found[alias] = Relation(
            root or name, alias, written or (previous is not None and previous.written), parent[1] if parent else None
        )
    return found


def _conditions(plan: dict[str, Any]) -> list[str]:
    return [
        value
        for node in _nodes(plan)
        for key, value in node.items()
        if isinstance(value, str) and ("Cond" in key or "Filter" in key)
    ]


def _co_located(plan: dict[str, Any], relations: dict[str, Relation]) -> bool:
    """Whether every distributed table read is pinned to the same shard key: their distribution
    columns are equal to each other or to the same parameter or constant, through the plan's
    conditions."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for condition in _conditions(plan):
        for left_alias, left_column, right in _EQUALITY.findall(condition):
            parent[find(f"{left_alias}.{left_column}")] = find(right)
    for r in relations.values():
        if r.parent_alias and r.table in DISTRIBUTED:
            column = DISTRIBUTED[r.table][1]
            parent[find(f"{r.alias}.{column}")] = find(f"{r.parent_alias}.{column}")
    keys = {
        find(f"{r.alias}.{DISTRIBUTED[r.table][1]}")
        for r in relations.values()
        if r.table in DISTRIBUTED and not r.written
    }
    return len(keys) <= 1


def cross_shard_problems(plan: dict[str, Any], relations: dict[str, Relation]) -> list[str]:
    """Why this statement would need a join across shards (or of shards with coordinator-only
    tables) under the plan; empty when it would not. Reference tables join with anything. A
    distributed table may be written from what is read on the coordinator (Citus runs
    INSERT ... SELECT through the coordinator), but read only together with tables of its own
    colocation group on the same distribution key."""
    distributed = {r.table for r in relations.values() if r.table in DISTRIBUTED}
    read_distributed = {r.table for r in relations.values() if r.table in DISTRIBUTED and not r.written}
    read_local = {r.table for r in relations.values() if r.table in LOCAL and not r.written}
    unknown = {r.table for r in relations.values()} - set(DISTRIBUTED) - REFERENCE - LOCAL
    problems = [f"tables missing from the plan: {sorted(unknown)}"] if unknown else []
    groups = {DISTRIBUTED[t][0] for t in distributed}
    if len(groups) > 1:
        problems.append(f"distributed tables of different colocation groups: {sorted(distributed)}")
    if read_distributed and read_local:
        problems.append(f"reads distributed {sorted(read_distributed)} with coordinator-only {sorted(read_local)}")
    # Distinct tables: the partitions of one table, or branches of a UNION over one table, are
    # no join (a self-join on another column would pass unseen).
    if len(read_distributed) > 1 and not _co_located(plan, relations):
        problems.append(f"distributed {sorted(distributed)} not joined on their distribution column")
    return problems
