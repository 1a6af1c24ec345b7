"""View revenue: what a video's split depends on, claiming uncredited views, and writing credits.

`write_credits` posts one VIEW_REVENUE ledger transaction per video for a whole batch of videos in
a constant number of statements: the same steps as `ledger.post` (transactions, accounts locked in
id order, balances moved, entries), set-based, plus the per-party breakdown that earnings reports
read (`revenue_credits`), and the videos' new credited totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from db.queries.ledger import APPLY_AMOUNTS, LOCK_ACCOUNTS
from domain.ledger import Posting, net_postings
from domain.revenue import Ancestor, LicenseShare

# Remix chains are acyclic (a video remixes an older one); this only bounds a corrupted one.
MAX_CHAIN = 10_000


@dataclass(frozen=True)
class RevenueFacts:
    """What a video's split depends on: its creator, its locked licenses and its remix chain."""

    video_id: UUID
    creator_id: UUID
    licenses: tuple[LicenseShare, ...]
    ancestors: tuple[Ancestor, ...]  # nearest first, far enough to hold `depth` other creators


LICENSES = """
SELECT v.id, v.creator_id, l.character_id, c.holder_id, l.revenue_share_bps
FROM videos v
LEFT JOIN video_licenses l ON l.video_id = v.id
LEFT JOIN characters c ON c.id = l.character_id
WHERE v.id = ANY($1::uuid[])
ORDER BY v.id, l.position
"""
# Walks each chain up until it holds `$2` ancestors by someone other than the video's creator
# (those by the creator are skipped by the split without using up a step) or ends.
# (Taken-down and deleted ancestors earn nothing either, RULES §11: they do not use up a step.)
ANCESTORS = """
WITH RECURSIVE chain (root, root_creator, ancestor_id, ancestor_creator, earning, parent_id, depth, others) AS (
    SELECT v.id, v.creator_id, a.id, a.creator_id, a.status NOT IN ('TAKEN_DOWN', 'DELETED'), a.remix_of_id, 1,
           (a.creator_id <> v.creator_id AND a.status NOT IN ('TAKEN_DOWN', 'DELETED'))::int
    FROM videos v JOIN videos a ON a.id = v.remix_of_id
    WHERE v.id = ANY($1::uuid[])
  UNION ALL
    SELECT c.root, c.root_creator, a.id, a.creator_id, a.status NOT IN ('TAKEN_DOWN', 'DELETED'), a.remix_of_id,
           c.depth + 1, c.others + (a.creator_id <> c.root_creator AND a.status NOT IN ('TAKEN_DOWN', 'DELETED'))::int
    FROM chain c JOIN videos a ON a.id = c.parent_id
    WHERE c.others < $2 AND c.depth < $3
)
SELECT root, ancestor_id, ancestor_creator, earning FROM chain ORDER BY root, depth
"""


async def revenue_facts(conn: asyncpg.Connection, *, video_ids: Sequence[UUID], depth: int) -> dict[UUID, RevenueFacts]:
    """Per video found: creator, licenses (in the video's order) and enough of its remix chain."""
    creators: dict[UUID, UUID] = {}
    licenses: dict[UUID, list[LicenseShare]] = {}
    for row in await conn.fetch(LICENSES, list(video_ids)):
        creators[row["id"]] = row["creator_id"]
        shares = licenses.setdefault(row["id"], [])
        if row["character_id"] is not None:
            shares.append(LicenseShare(row["character_id"], row["holder_id"], row["revenue_share_bps"]))
    chains: dict[UUID, list[Ancestor]] = {}
    for row in await conn.fetch(ANCESTORS, list(creators), depth, MAX_CHAIN):
        chains.setdefault(row["root"], []).append(Ancestor(row["ancestor_id"], row["ancestor_creator"], row["earning"]))
    return {
        video_id: RevenueFacts(video_id, creator_id, tuple(licenses[video_id]), tuple(chains.get(video_id, ())))
        for video_id, creator_id in creators.items()
    }


# ---------------------------------------------------------------- claiming views to credit

PENDING_VIDEOS = "SELECT DISTINCT video_id FROM uncredited_views ORDER BY video_id"


async def pending_video_ids(conn: asyncpg.Connection) -> list[UUID]:
    """Videos with qualified views waiting to be credited, in id order."""
    return [row[0] for row in await conn.fetch(PENDING_VIDEOS)]


ENSURE_REVENUE_ROWS = """
INSERT INTO video_revenue (video_id) SELECT id FROM unnest($1::uuid[]) AS v (id) ORDER BY id
ON CONFLICT (video_id) DO NOTHING
"""


async def ensure_revenue_rows(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> None:
    """Create the missing per-video credited rows (before the batches lock them)."""
    await conn.execute(ENSURE_REVENUE_ROWS, list(video_ids))


LOCK_REVENUE_ROWS = """
SELECT video_id, credited_views FROM video_revenue WHERE video_id = ANY($1::uuid[])
ORDER BY video_id FOR UPDATE SKIP LOCKED
"""


async def lock_revenue_rows(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> dict[UUID, int]:
    """Credited views of the videos locked for this transaction; those another run holds are skipped."""
    return {row["video_id"]: row["credited_views"] for row in await conn.fetch(LOCK_REVENUE_ROWS, list(video_ids))}


CLAIM_UNCREDITED = """
WITH claimed AS (DELETE FROM uncredited_views WHERE video_id = ANY($1::uuid[]) RETURNING video_id, views)
SELECT video_id, sum(views)::bigint AS views FROM claimed GROUP BY video_id ORDER BY video_id
"""


async def claim_uncredited(conn: asyncpg.Connection, *, video_ids: Sequence[UUID]) -> dict[UUID, int]:
    """Take the waiting views of videos whose revenue rows the caller has locked; gone if it rolls back."""
    return {row["video_id"]: row["views"] for row in await conn.fetch(CLAIM_UNCREDITED, list(video_ids))}


# ---------------------------------------------------------------- accounts in bulk

ENSURE_HOLDER_ACCOUNTS = """
INSERT INTO ledger_accounts (kind, holder_id) SELECT 'HOLDER', h FROM unnest($1::uuid[]) AS h ORDER BY h
ON CONFLICT ON CONSTRAINT ledger_accounts_holder_key DO NOTHING
"""
HOLDER_ACCOUNTS = "SELECT holder_id, id FROM ledger_accounts WHERE holder_id = ANY($1::uuid[])"
ENSURE_WALLETS = """
INSERT INTO ledger_accounts (kind, user_id) SELECT 'WALLET', u FROM unnest($1::uuid[]) AS u ORDER BY u
ON CONFLICT ON CONSTRAINT ledger_accounts_user_key DO NOTHING
"""
WALLETS = "SELECT user_id, id FROM ledger_accounts WHERE user_id = ANY($1::uuid[])"


async def holder_accounts(conn: asyncpg.Connection, *, holder_ids: Sequence[UUID]) -> dict[UUID, UUID]:
    """Each holder's balance account, created when missing."""
    await conn.execute(ENSURE_HOLDER_ACCOUNTS, sorted(set(holder_ids)))
    return {row["holder_id"]: row["id"] for row in await conn.fetch(HOLDER_ACCOUNTS, list(holder_ids))}


async def wallets(conn: asyncpg.Connection, *, user_ids: Sequence[UUID]) -> dict[UUID, UUID]:
    """Each user's wallet, created when missing."""
    await conn.execute(ENSURE_WALLETS, sorted(set(user_ids)))
    return {row["user_id"]: row["id"] for row in await conn.fetch(WALLETS, list(user_ids))}


# ---------------------------------------------------------------- writing credits


@dataclass(frozen=True)
class PartyCredit:
    """One party's part of one crediting; which of holder/character/user/item is set depends on `party`."""

    party: str  # PLATFORM, HOLDER, ANCESTOR or CREATOR
    account_id: UUID
    amount_micros: int
    holder_id: UUID | None = None
    character_id: UUID | None = None
    user_id: UUID | None = None
    item_video_id: UUID | None = None


@dataclass(frozen=True)
class VideoCredit:
    """Views (views_before, views_after] of a video credited as one VIEW_REVENUE transaction, id `id`."""

    id: UUID
    video_id: UUID
    views_before: int
    views_after: int
    parties: tuple[PartyCredit, ...]

    @property
    def gross(self) -> int:
        return sum(p.amount_micros for p in self.parties)

    @property
    def memo(self) -> str:
        return f"{self.views_after - self.views_before} qualified views ({self.views_before} to {self.views_after})"


INSERT_TRANSACTIONS = """
INSERT INTO ledger_transactions (id, kind, video_id, memo)
SELECT t.id, 'VIEW_REVENUE', t.video_id, t.memo
FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t (id, video_id, memo)
"""
INSERT_ENTRIES = """
INSERT INTO ledger_entries (transaction_id, account_id, amount_micros)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[])
"""
INSERT_VIEW_CREDITS = """
INSERT INTO view_credits (id, transaction_id, video_id, views_before, views_after, created_at)
SELECT c.id, c.transaction_id, c.video_id, c.views_before, c.views_after, now()
FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::bigint[])
    AS c (id, transaction_id, video_id, views_before, views_after)
"""
INSERT_REVENUE_CREDITS = """
INSERT INTO revenue_credits (credit_id, party, account_id, holder_id, character_id, user_id, item_video_id,
                             amount_micros, views, created_at)
SELECT r.*, now()
FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::bigint[],
            $9::bigint[]) AS r
"""
SET_CREDITED = """
UPDATE video_revenue r SET credited_views = c.views_after, updated_at = now()
FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS c (video_id, views_before, views_after)
WHERE r.video_id = c.video_id AND r.credited_views = c.views_before
"""


async def write_credits(conn: asyncpg.Connection, *, source_account: UUID, credits: Sequence[VideoCredit]) -> None:
    """Post every credit (source → parties) and record it; the caller holds the videos' revenue rows.

    Each credit's entries are netted per account like `ledger.post`'s; a credit of zero gross gets
    no ledger transaction. All accounts of the batch are locked at once in id order, the order
    every post uses, so crediting never deadlocks with generation settling or another run.
    """
    posted = [c for c in credits if c.gross > 0]
    entries = [(c.id, _entries(c, source_account)) for c in posted]
    await conn.execute(
        INSERT_TRANSACTIONS, [c.id for c in posted], [c.video_id for c in posted], [c.memo for c in posted]
    )
    totals: dict[UUID, int] = {}
    for _, postings in entries:
        for posting in postings:
            totals[posting.account_id] = totals.get(posting.account_id, 0) + posting.amount_micros
    await conn.fetch(LOCK_ACCOUNTS, sorted(totals))
    await conn.execute(APPLY_AMOUNTS, list(totals), list(totals.values()))
    rows = [(tx, p.account_id, p.amount_micros) for tx, postings in entries for p in postings]
    await conn.execute(INSERT_ENTRIES, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    await _record(conn, credits, {c.id for c in posted})


def _entries(credit: VideoCredit, source_account: UUID) -> tuple[Posting, ...]:
    postings = [Posting(p.account_id, p.amount_micros) for p in credit.parties]
    return net_postings([Posting(source_account, -credit.gross), *postings])


async def _record(conn: asyncpg.Connection, credits: Sequence[VideoCredit], posted: set[UUID]) -> None:
    await conn.execute(
        INSERT_VIEW_CREDITS,
        [c.id for c in credits],
        [c.id if c.id in posted else None for c in credits],
        [c.video_id for c in credits],
        [c.views_before for c in credits],
        [c.views_after for c in credits],
    )
    shares = [(c, p) for c in credits for p in c.parties]
    await conn.execute(
        INSERT_REVENUE_CREDITS,
        [c.id for c, _ in shares],
        [p.party for _, p in shares],
        [p.account_id for _, p in shares],
        [p.holder_id for _, p in shares],
        [p.character_id for _, p in shares],
        [p.user_id for _, p in shares],
        [p.item_video_id for _, p in shares],
        [p.amount_micros for _, p in shares],
        [c.views_after - c.views_before for c, _ in shares],
    )
    updated = await conn.execute(
        SET_CREDITED, [c.video_id for c in credits], [c.views_before for c in credits], [c.views_after for c in credits]
    )
    if updated != f"UPDATE {len(credits)}":  # the rows are locked: only a caller's bug gets here
        raise RuntimeError(f"credited totals moved under a crediting batch ({updated})")
