"""Crediting qualified views as revenue (RULES §6): `credit` runs every CREDIT_INTERVAL_SECONDS
(workers/credit.py) and on demand (`fanreel credit`).

Per video with views waiting: the amounts owed for its new total N are `split(N)`, and what is
credited now is `owed_difference(split(credited N), split(N))`, so totals depend only on N, never
on how views were batched into runs. Each batch of videos is one database transaction; its
videos' `video_revenue` rows are locked FOR UPDATE SKIP LOCKED, so two runs at once (two workers)
share the work and never credit the same views twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import asyncpg

from db.pool import create_pool
from db.queries import claims, ledger, revenue
from db.queries.revenue import PartyCredit, RevenueFacts, VideoCredit
from domain.ledger import AccountKind
from domain.money import format_usd
from domain.revenue import Split, SplitConfig, owed_difference, split

if TYPE_CHECKING:
    from settings import Settings

BATCH_SIZE = 1000


def split_config(settings: Settings) -> SplitConfig:
    return SplitConfig(
        view_revenue_micros=settings.view_revenue_micros,
        platform_fee_bps=settings.platform_fee_bps,
        holders_cap_bps=settings.holders_cap_bps,
        remix_ancestor_depth=settings.remix_ancestor_depth,
        remix_ancestor_bps=settings.remix_ancestor_bps,
    )


@dataclass(frozen=True)
class CreditRun:
    """What one run credited: videos, qualified views and gross micro-USD."""

    videos: int = 0
    views: int = 0
    gross_micros: int = 0

    def __add__(self, other: CreditRun) -> CreditRun:
        return CreditRun(self.videos + other.videos, self.views + other.views, self.gross_micros + other.gross_micros)


async def credit(pool: asyncpg.Pool, config: SplitConfig, *, batch_size: int = BATCH_SIZE) -> CreditRun:
    """Credit every view waiting when the run starts (views arriving meanwhile wait for the next run)."""
    run = CreditRun()
    async with pool.acquire() as conn:
        pending = await revenue.pending_video_ids(conn)
        if not pending:
            return run
        await revenue.ensure_revenue_rows(conn, video_ids=pending)
        for start in range(0, len(pending), batch_size):
            async with conn.transaction():
                run += await _credit_batch(conn, pending[start : start + batch_size], config)
    return run


async def _credit_batch(conn: asyncpg.Connection, video_ids: list[UUID], config: SplitConfig) -> CreditRun:
    locked = await revenue.lock_revenue_rows(conn, video_ids=video_ids)
    claimed = await revenue.claim_uncredited(conn, video_ids=list(locked)) if locked else {}
    if not claimed:
        return CreditRun()
    facts = await revenue.revenue_facts(conn, video_ids=list(claimed), depth=config.remix_ancestor_depth)
    accounts = await _accounts(conn, facts.values())
    credits = [_credit(facts[v], locked[v], locked[v] + views, config, accounts) for v, views in claimed.items()]
    # Videos under an open claim (RULES §8): their revenue is held whole until the claim ends.
    if held := await claims.holding(conn, video_ids=list(claimed)):
        account = await ledger.system_account(conn, AccountKind.CLAIM_HELD)
        credits = [_held(c, account) if c.video_id in held else c for c in credits]
        await claims.add_held(conn, amounts={held[c.video_id]: c.gross for c in credits if c.video_id in held})
    await revenue.write_credits(conn, source_account=accounts.advertising, credits=credits)
    return CreditRun(len(credits), sum(claimed.values()), sum(c.gross for c in credits))


def _held(credit: VideoCredit, held_account: UUID) -> VideoCredit:
    """The same views credited as one HELD share (db/claims.py pays it when the claim ends)."""
    held = (PartyCredit("HELD", held_account, credit.gross),)
    return VideoCredit(credit.id, credit.video_id, credit.views_before, credit.views_after, held)


@dataclass(frozen=True)
class _Accounts:
    advertising: UUID
    platform: UUID
    holders: dict[UUID, UUID]
    wallets: dict[UUID, UUID]


async def _accounts(conn: asyncpg.Connection, facts: Iterable[RevenueFacts]) -> _Accounts:
    holder_ids: set[UUID] = set()
    user_ids: set[UUID] = set()
    for f in facts:
        holder_ids.update(lic.holder_id for lic in f.licenses)
        user_ids.add(f.creator_id)
        user_ids.update(a.creator_id for a in f.ancestors)
    return _Accounts(
        advertising=await ledger.system_account(conn, AccountKind.ADVERTISING),
        platform=await ledger.system_account(conn, AccountKind.PLATFORM),
        holders=await revenue.holder_accounts(conn, holder_ids=sorted(holder_ids)),
        wallets=await revenue.wallets(conn, user_ids=sorted(user_ids)),
    )


def owed(facts: RevenueFacts, views: int, config: SplitConfig) -> Split:
    """What a video's `views` qualified views owe each party in total."""
    return split(
        qualified_views=views,
        creator_id=facts.creator_id,
        licenses=facts.licenses,
        ancestors=facts.ancestors,
        config=config,
    )


def _credit(facts: RevenueFacts, before: int, after: int, config: SplitConfig, accounts: _Accounts) -> VideoCredit:
    due = owed_difference(owed(facts, before, config) if before else None, owed(facts, after, config))
    parties = [
        PartyCredit("PLATFORM", accounts.platform, due.platform),
        *(
            PartyCredit(
                "HOLDER",
                accounts.holders[lic.holder_id],
                amount,
                holder_id=lic.holder_id,
                character_id=lic.character_id,
            )
            for lic, amount in due.holders
        ),
        *(
            PartyCredit(
                "ANCESTOR", accounts.wallets[a.creator_id], amount, user_id=a.creator_id, item_video_id=a.video_id
            )
            for a, amount in due.ancestors
        ),
        PartyCredit(
            "CREATOR",
            accounts.wallets[facts.creator_id],
            due.creator,
            user_id=facts.creator_id,
            item_video_id=facts.video_id,
        ),
    ]
    return VideoCredit(uuid4(), facts.video_id, before, after, tuple(parties))


async def credit_command(settings: Settings) -> str:
    """`fanreel credit`: one run now; the line to print."""
    assert settings.database_url, "set DATABASE_URL"
    pool = await create_pool(settings.database_url, max_size=2)
    try:
        run = await credit(pool, split_config(settings))
    finally:
        await pool.close()
    return f"credited {run.views} qualified views of {run.videos} videos ({format_usd(run.gross_micros)} gross)"
