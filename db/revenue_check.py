"""`fanreel ledger verify`'s view revenue check: per video, the credited revenue equals its qualified
views × rate, split per the rules (RULES §6-7).

Three layers, each against the one below: the ledger's VIEW_REVENUE entries equal the recorded
per-party credits; per video the credits add up to `split(credited views)`; and the credited views
plus those waiting equal the qualified view events stored, with those of the days retention
dropped counted in view_day_counts (db/view_partitions.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg

from db.crediting import owed
from db.queries import claims, revenue
from domain.claims import JoinedLicense, segmented_split
from domain.revenue import Split, SplitConfig, owed_difference

Check = Callable[[asyncpg.Connection], Awaitable[list[str]]]
PAGE = 5000

VIEW_TOTALS = """
WITH credited AS (
    SELECT video_id, sum(views_after - views_before) AS covered, max(views_after) AS last
    FROM view_credits GROUP BY video_id
), qualified AS (
    SELECT video_id, sum(views)::bigint AS events FROM (
        SELECT video_id, count(*) AS views FROM view_events WHERE qualified GROUP BY video_id
        UNION ALL SELECT video_id, views FROM view_day_counts
    ) AS both_kinds GROUP BY video_id
), waiting AS (
    SELECT video_id, sum(views) AS views FROM uncredited_views GROUP BY video_id
)
SELECT video_id, coalesce(r.credited_views, 0) AS credited, coalesce(c.covered, 0) AS covered,
       coalesce(c.last, 0) AS last, coalesce(q.events, 0) AS events, coalesce(w.views, 0) AS waiting
FROM video_revenue r
FULL JOIN credited c USING (video_id)
FULL JOIN qualified q USING (video_id)
FULL JOIN waiting w USING (video_id)
WHERE NOT (coalesce(r.credited_views, 0) = coalesce(c.covered, 0) AND coalesce(c.covered, 0) = coalesce(c.last, 0)
           AND coalesce(q.events, 0) = coalesce(r.credited_views, 0) + coalesce(w.views, 0))
ORDER BY video_id
"""


# A day both counted and still stored would be counted twice.
COUNTED_AND_STORED = """
SELECT c.day FROM (SELECT DISTINCT day FROM view_day_counts) AS c
WHERE EXISTS (SELECT 1 FROM view_events e WHERE e.day = c.day) ORDER BY 1
"""


async def check_view_totals(conn: asyncpg.Connection) -> list[str]:
    """Credited views are one unbroken range per video, and with those waiting equal the qualified events."""
    problems = [
        f"view events of {row['day']} are both stored and counted in view_day_counts"
        for row in await conn.fetch(COUNTED_AND_STORED)
    ]
    for row in await conn.fetch(VIEW_TOTALS):
        name = f"video {row['video_id']}"
        if row["credited"] != row["covered"] or row["covered"] != row["last"]:
            problems.append(
                f"{name} has {row['credited']} views credited but its credits cover {row['covered']} views "
                f"ending at {row['last']}"
            )
        if row["events"] != row["credited"] + row["waiting"]:
            problems.append(
                f"{name} has {row['events']} qualified view events but {row['credited']} credited "
                f"+ {row['waiting']} waiting"
            )
    return problems


# The ledger's side of every VIEW_REVENUE transaction against the credits recorded with it: per
# account, entries = the parties' amounts, and the advertising source gave their sum.
LEDGER_VS_CREDITS = """
WITH expected AS (
    SELECT c.transaction_id, r.account_id, sum(r.amount_micros) AS amount
    FROM view_credits c JOIN revenue_credits r ON r.credit_id = c.id
    WHERE c.transaction_id IS NOT NULL GROUP BY 1, 2
  UNION ALL
    SELECT c.transaction_id, a.id, -sum(r.amount_micros)
    FROM view_credits c JOIN revenue_credits r ON r.credit_id = c.id
    CROSS JOIN (SELECT id FROM ledger_accounts WHERE kind = 'ADVERTISING' AND user_id IS NULL AND holder_id IS NULL) a
    WHERE c.transaction_id IS NOT NULL GROUP BY 1, 2
), expected_net AS (
    SELECT transaction_id, account_id, sum(amount) AS amount FROM expected GROUP BY 1, 2
), actual AS (
    SELECT e.transaction_id, e.account_id, sum(e.amount_micros) AS amount
    FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
    WHERE t.kind = 'VIEW_REVENUE' GROUP BY 1, 2
)
SELECT transaction_id, account_id, coalesce(x.amount, 0) AS expected, coalesce(a.amount, 0) AS actual
FROM expected_net x FULL JOIN actual a USING (transaction_id, account_id)
WHERE coalesce(x.amount, 0) <> coalesce(a.amount, 0)
ORDER BY transaction_id, account_id
"""
# A claim's release records its shares under the claim's id (db/claims.py).
ORPHAN_SHARES = """
SELECT r.credit_id, count(*) AS shares FROM revenue_credits r
LEFT JOIN view_credits c ON c.id = r.credit_id LEFT JOIN claims cl ON cl.id = r.credit_id
WHERE c.id IS NULL AND cl.id IS NULL GROUP BY r.credit_id ORDER BY r.credit_id
"""
MISMATCHED_VIDEOS = """
SELECT c.transaction_id, c.video_id AS credited, t.video_id AS posted, t.kind
FROM view_credits c JOIN ledger_transactions t ON t.id = c.transaction_id
WHERE t.video_id IS DISTINCT FROM c.video_id OR t.kind <> 'VIEW_REVENUE'
"""


async def check_ledger_matches_credits(conn: asyncpg.Connection) -> list[str]:
    """Every VIEW_REVENUE transaction is a recorded credit that moved exactly its amounts; no stray shares."""
    problems = [
        f"VIEW_REVENUE transaction {row['transaction_id']} gave account {row['account_id']} {row['actual']} "
        f"but its recorded credits say {row['expected']}"
        for row in await conn.fetch(LEDGER_VS_CREDITS)
    ]
    problems += [
        f"view credit transaction {row['transaction_id']} is a {row['kind']} of video {row['posted']}, "
        f"not a VIEW_REVENUE of video {row['credited']}"
        for row in await conn.fetch(MISMATCHED_VIDEOS)
    ]
    problems += [
        f"{row['shares']} revenue credits belong to no view credit ({row['credit_id']})"
        for row in await conn.fetch(ORPHAN_SHARES)
    ]
    return problems


REVENUE_PAGE = """
SELECT video_id, credited_views FROM video_revenue
WHERE ($1::uuid IS NULL OR video_id > $1) AND credited_views > 0 ORDER BY video_id LIMIT $2
"""
ORPHAN_CREDITS = """
SELECT DISTINCT c.video_id FROM view_credits c LEFT JOIN video_revenue r ON r.video_id = c.video_id
WHERE coalesce(r.credited_views, 0) = 0
"""
PARTY_TOTALS = """
SELECT video_id, r.party, r.holder_id, r.character_id, r.user_id, r.item_video_id, sum(r.amount_micros) AS amount
FROM (SELECT id, video_id FROM view_credits WHERE video_id = ANY($1::uuid[])
      UNION ALL SELECT id, video_id FROM claims WHERE video_id = ANY($1::uuid[])) c
JOIN revenue_credits r ON r.credit_id = c.id
GROUP BY 1, 2, 3, 4, 5, 6
"""
Party = tuple[str, UUID | None, UUID | None, UUID | None, UUID | None]


def revenue_check(config: SplitConfig) -> Check:
    """The per-video split check under the configured rates."""

    async def check_video_splits(conn: asyncpg.Connection) -> list[str]:
        """Per video, what each party was credited in total equals `split(credited views)`."""
        problems = [
            f"video {row['video_id']} has credits but no credited views" for row in await conn.fetch(ORPHAN_CREDITS)
        ]
        problems += [
            f"video {row['video_id']}: ancestor video {row['item_video_id']} was paid by a credit of "
            f"{row['created_at']}, after it was taken down or deleted at {row['unpublished_at']}"
            for row in await conn.fetch(PAID_AFTER_TAKEDOWN)
        ]
        after: UUID | None = None
        while page := await conn.fetch(REVENUE_PAGE, after, PAGE):
            problems += await _check_page(conn, {row["video_id"]: row["credited_views"] for row in page}, config)
            after = page[-1]["video_id"]
        return problems

    return check_video_splits


async def _check_page(conn: asyncpg.Connection, credited: dict[UUID, int], config: SplitConfig) -> list[str]:
    facts = await revenue.revenue_facts(conn, video_ids=list(credited), depth=config.remix_ancestor_depth)
    joined = await claims.joined_licenses(conn, video_ids=list(credited))
    ranges = await claims.held_ranges(conn, video_ids=list(credited))
    actual: dict[UUID, dict[Party, int]] = {video_id: {} for video_id in credited}
    for row in await conn.fetch(PARTY_TOTALS, list(credited)):
        party = (row["party"], row["holder_id"], row["character_id"], row["user_id"], row["item_video_id"])
        actual[row["video_id"]][party] = int(row["amount"])
    problems = []
    stopped = [v for v in credited if any(not a.earning for a in facts[v].ancestors)]
    history = await _owed_by_credit(conn, {v: facts[v] for v in stopped}, config) if stopped else {}
    for video_id, views in credited.items():
        # A video with a stopped ancestor is checked credit by credit (issue 16), one under a claim by
        # segments (issue 14); a video with both is checked by segments (its ancestors as they are now).
        expected = (None if video_id in ranges else history.get(video_id)) or _expected(
            facts[video_id], views, joined, ranges.get(video_id, []), config
        )
        for party in sorted(expected.keys() | actual[video_id].keys(), key=str):
            want, got = expected.get(party, 0), actual[video_id].get(party, 0)
            if want != got:
                problems.append(
                    f"video {video_id}: {_describe(party)} was credited {got} for {views} views; the rules owe {want}"
                )
    return problems


def _expected(
    facts: revenue.RevenueFacts,
    views: int,
    joined: dict[tuple[UUID, UUID], int],
    ranges: list[asyncpg.Record],
    config: SplitConfig,
) -> dict[Party, int]:
    """What each party is owed for `views` credited views: the views before an open claim are paid,
    segment by segment with the licenses each had (a claim's license joins at its first held view);
    every view credited under a claim was first held (RULES §8)."""
    licenses = [JoinedLicense(lic, joined.get((facts.video_id, lic.character_id), 0)) for lic in facts.licenses]
    open_from = [r["views_from"] for r in ranges if r["status"] in ("OPEN", "DISPUTED")]
    paid = segmented_split(
        views=min([views, *open_from]),
        creator_id=facts.creator_id,
        licenses=licenses,
        ancestors=facts.ancestors,
        config=config,
    )
    held_views = sum((views if r["views_to"] is None else r["views_to"]) - r["views_from"] for r in ranges)
    held: Party = ("HELD", None, None, None, None)
    return _parties(paid, facts.creator_id, facts.video_id) | {held: held_views * config.view_revenue_micros}


# RULES §11: no credit pays an ancestor taken down (or deleted once published) before the credit
# began. A minute's slack: a crediting transaction that started just before a takedown committed
# may still see the ancestor up.
PAID_AFTER_TAKEDOWN = """
SELECT c.video_id, r.item_video_id, c.created_at, a.unpublished_at
FROM revenue_credits r JOIN view_credits c ON c.id = r.credit_id JOIN videos a ON a.id = r.item_video_id
WHERE r.party = 'ANCESTOR' AND a.status IN ('TAKEN_DOWN', 'DELETED')
  AND a.unpublished_at < c.created_at - interval '1 minute'
ORDER BY c.video_id, r.item_video_id
"""
CREDITS_OF = "SELECT id, video_id, views_before, views_after FROM view_credits WHERE video_id = ANY($1::uuid[])"
PAID_ANCESTORS = "SELECT credit_id, item_video_id FROM revenue_credits WHERE party = 'ANCESTOR' AND credit_id = ANY($1)"


async def _owed_by_credit(
    conn: asyncpg.Connection, facts: dict[UUID, revenue.RevenueFacts], config: SplitConfig
) -> dict[UUID, dict[Party, int]]:
    """What each video with a taken-down or deleted ancestor is owed, credit by credit (RULES §11:
    the ancestor earns until the takedown, nothing from then on). An ancestor that no longer earns
    took part in a credit exactly when that credit paid it (its share recorded, zero included)."""
    credits = await conn.fetch(CREDITS_OF, list(facts))
    paid: dict[UUID, set[UUID]] = {}
    for row in await conn.fetch(PAID_ANCESTORS, [c["id"] for c in credits]):
        paid.setdefault(row["credit_id"], set()).add(row["item_video_id"])
    owed_by_video: dict[UUID, dict[Party, int]] = {}
    for credit in sorted(credits, key=lambda c: (c["video_id"], c["views_before"])):
        video_facts = facts[credit["video_id"]]
        then = dataclasses.replace(
            video_facts,
            ancestors=tuple(
                dataclasses.replace(a, earning=a.earning or a.video_id in paid.get(credit["id"], set()))
                for a in video_facts.ancestors
            ),
        )
        due = owed_difference(
            owed(then, credit["views_before"], config) if credit["views_before"] else None,
            owed(then, credit["views_after"], config),
        )
        totals = owed_by_video.setdefault(credit["video_id"], {})
        for party, amount in _parties(due, video_facts.creator_id, credit["video_id"]).items():
            totals[party] = totals.get(party, 0) + amount
    return owed_by_video


def _parties(owed_split: Split, creator_id: UUID, video_id: UUID) -> dict[Party, int]:
    parties: dict[Party, int] = {("PLATFORM", None, None, None, None): owed_split.platform}
    for lic, amount in owed_split.holders:
        parties[("HOLDER", lic.holder_id, lic.character_id, None, None)] = amount
    for ancestor, amount in owed_split.ancestors:
        key: Party = ("ANCESTOR", None, None, ancestor.creator_id, ancestor.video_id)
        parties[key] = parties.get(key, 0) + amount
    creator: Party = ("CREATOR", None, None, creator_id, video_id)
    return parties | {creator: owed_split.creator}


def _describe(party: Party) -> str:
    kind, holder_id, character_id, user_id, item = party
    if kind == "HOLDER":
        return f"holder {holder_id} (character {character_id})"
    if kind == "ANCESTOR":
        return f"ancestor creator {user_id} (video {item})"
    if kind == "CREATOR":
        return "the creator"
    if kind == "HELD":
        return "the claim escrow"
    return "the platform"
