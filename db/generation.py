"""Generation money and state: charging into escrow, settling on success, refunding on failure.

`create_generation` is createRemix's one transaction (RULES §4): the creator's row is locked
first, so quotas, free generations, idempotency keys and the wallet balance stay exact when
one creator's requests race.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from db.catalog import Catalog
from db.fee_escrow import forget_held_fees
from db.queries import ledger, videos
from db.queries.ledger import AccountKind, LedgerKind, NewTransaction, Posting
from db.remix import PricingConfig, RemixPlan, RemixRequest, denial_error, plan_remix, record_denial
from domain.errors import DomainError, ErrorCode, FieldError
from domain.money import format_usd
from domain.policy import Decision


@dataclass(frozen=True)
class GenerationConfig:
    pricing: PricingConfig
    max_active: int
    max_per_day: int


@dataclass(frozen=True)
class Created:
    video_id: UUID
    video: videos.Video | None  # the new video; None when an earlier request with the same idempotency key made it

    @property
    def new(self) -> bool:
        return self.video is not None


class _Denied(Exception):
    def __init__(self, plan: RemixPlan) -> None:
        self.plan = plan


# NO KEY UPDATE: serialises this creator's requests without blocking foreign-key checks on the row (activity
# rows, follows), which would otherwise deadlock with the worker settling another of their videos.
# With it, the accounts the charge moves money between (ids never change; NULL before their first use),
# and `SET LOCAL plan_cache_mode = force_generic_plan` in the same round trip: the transaction's
# statements take array parameters, which PostgreSQL would otherwise re-plan on every execution (see
# db/pool.py); planned once, they cost less (bench/queue.py: PostgreSQL CPU per generation -0.9 ms,
# generations/s +12%).
LOCK_CREATOR = f"""
SELECT set_config('plan_cache_mode', 'force_generic_plan', true) AS plans,
       (SELECT id FROM ledger_accounts WHERE user_id = $1) AS wallet_id,
       (SELECT id FROM ledger_accounts WHERE kind = '{AccountKind.ESCROW.value}' AND user_id IS NULL
        AND holder_id IS NULL) AS escrow_id,
       (SELECT amount_micros FROM debts WHERE user_id = $1) AS debt_micros
FROM users WHERE id = $1 FOR NO KEY UPDATE
"""


async def create_generation(
    conn: asyncpg.Connection,
    catalog: Catalog,
    config: GenerationConfig,
    request: RemixRequest,
    *,
    aspect: str,
    idempotency_key: str | None,
) -> Created:
    """Plan, check quotas, charge and write the QUEUED video; DomainError when refused (nothing charged)."""
    try:
        async with conn.transaction():
            accounts = await conn.fetchrow(LOCK_CREATOR, request.creator_id)
            if idempotency_key is not None:
                existing = await videos.find_by_idempotency_key(
                    conn, creator_id=request.creator_id, key=idempotency_key
                )
                if existing is not None:
                    return Created(existing, None)
            plan = await plan_remix(conn, catalog, config.pricing, request)
            if plan.decision.decision is Decision.DENY:
                raise _Denied(plan)
            _check_quotas(config, plan)
            _check_debt(accounts["debt_micros"], plan.quote.total_micros)
            video = await _insert(conn, plan, request, aspect=aspect, idempotency_key=idempotency_key)
            await charge(
                conn,
                video_id=video.id,
                creator_id=request.creator_id,
                amount=plan.quote.total_micros,
                accounts=(accounts["wallet_id"], accounts["escrow_id"]),
            )
            return Created(video.id, video)
    except _Denied as denied:
        # The refusal itself is counted (the holders' demand signal), in a transaction of its own.
        async with conn.transaction():
            await record_denial(conn, denied.plan.decision)
        raise denial_error(denied.plan) from None


def _check_quotas(config: GenerationConfig, plan: RemixPlan) -> None:
    if plan.counts.active >= config.max_active:
        message = f"At most {config.max_active} generations may run at once; wait for one to finish."
        raise DomainError(FieldError(ErrorCode.QUOTA_EXCEEDED, message))
    if plan.counts.today >= config.max_per_day:
        message = f"At most {config.max_per_day} generations a day."
        raise DomainError(FieldError(ErrorCode.QUOTA_EXCEEDED, message))


def _check_debt(debt_micros: int | None, price_micros: int) -> None:
    """A user who owes money from a reversed payment generates nothing paid until a top-up repays it (RULES §9)."""
    if debt_micros and price_micros > 0:
        message = (
            f"You owe {format_usd(debt_micros)} from a refunded or disputed payment; "
            "top up to repay it before paid generations."
        )
        raise DomainError(FieldError(ErrorCode.INSUFFICIENT_FUNDS, message))


async def _insert(
    conn: asyncpg.Connection, plan: RemixPlan, request: RemixRequest, *, aspect: str, idempotency_key: str | None
) -> videos.Video:
    video_id = uuid.uuid4()
    fees = {fee.character_id: fee.micros for fee in plan.quote.fees}
    reviewing = set(plan.decision.reviewing_character_ids)
    licenses = [
        videos.License(
            video_id=video_id,
            character_id=c.character_id,
            policy_version=c.policy.version,
            revenue_share_bps=c.policy.revenue_share_bps if c.verified else 0,  # RULES §11: unverified, unpaid
            generation_fee_micros=fees.get(c.character_id, 0),
            attribution=c.policy.attribution,
            review="PENDING" if c.character_id in reviewing else "NOT_REQUIRED",
            review_note=None,
        )
        for c in plan.characters
    ]
    return await videos.insert_video(
        conn,
        video_id=video_id,
        creator_id=request.creator_id,
        prompt=request.prompt,
        aspect=aspect,
        duration_seconds=request.duration_seconds,
        rating=plan.rating.name,
        remix_of_id=request.remix_of_id,
        idempotency_key=idempotency_key,
        cost_micros=plan.quote.total_micros,
        base_price_micros=plan.quote.base_micros,
        licenses=licenses,
    )


async def charge(
    conn: asyncpg.Connection,
    *,
    video_id: UUID,
    creator_id: UUID,
    amount: int,
    accounts: tuple[UUID | None, UUID | None] = (None, None),
) -> None:
    """Wallet → escrow; INSUFFICIENT_FUNDS when the wallet holds less. `accounts`: the wallet's and
    escrow's ids when already known."""
    wallet, escrow = accounts
    if wallet is None or escrow is None:  # not known, or not made yet
        found = await ledger.account_ids(conn, users=[creator_id], kinds=[AccountKind.ESCROW])
        wallet, escrow = found.wallets[creator_id], found.system[AccountKind.ESCROW]
    postings = [Posting(wallet, -amount), Posting(escrow, amount)]
    await ledger.post(conn, kind=LedgerKind.GENERATION_CHARGE, postings=postings, video_id=video_id, memo="generation")


async def settle(
    conn: asyncpg.Connection,
    drafted: Sequence[tuple[videos.Video, Mapping[UUID, int]]],
    known: ledger.AccountIds | None = None,
) -> None:
    """For each video, escrow → the platform (base price) and each holder its license fee (the
    fees per holder fixed by the video's licenses: `videos.Claimed.fees_by_holder`), in one post.
    `known`: account ids already read (looked up unless they cover every account). Caller holds
    the videos' locks."""
    if not drafted:
        return
    holders = sorted({holder_id for _, fees in drafted for holder_id in fees})
    kinds = [AccountKind.ESCROW, AccountKind.PLATFORM]
    accounts = known
    if accounts is None or not accounts.cover(holders=holders, kinds=kinds):
        accounts = await ledger.account_ids(conn, holders=holders, kinds=kinds)
    escrow, platform = accounts.system[AccountKind.ESCROW], accounts.system[AccountKind.PLATFORM]
    transactions = []
    for video, fees in drafted:
        base = [Posting(escrow, -video.base_price_micros), Posting(platform, video.base_price_micros)]
        license_fees = [
            Posting(escrow, -sum(fees.values())),
            *(Posting(accounts.holders[holder_id], fee) for holder_id, fee in sorted(fees.items())),
        ]
        transactions += [
            NewTransaction(LedgerKind.GENERATION_CHARGE, base, video_id=video.id, memo="base price"),
            NewTransaction(LedgerKind.LICENSE_FEE, license_fees, video_id=video.id, memo="license fees"),
        ]
    await ledger.post_all(conn, transactions)


async def refund(conn: asyncpg.Connection, video: videos.Video) -> None:
    """Escrow → the creator's wallet, in full. Caller holds the video lock."""
    accounts = await ledger.account_ids(conn, users=[video.creator_id], kinds=[AccountKind.ESCROW])
    wallet, escrow = accounts.wallets[video.creator_id], accounts.system[AccountKind.ESCROW]
    postings = [Posting(escrow, -video.cost_micros), Posting(wallet, video.cost_micros)]
    await ledger.post(conn, kind=LedgerKind.GENERATION_REFUND, postings=postings, video_id=video.id, memo="refund")
    await forget_held_fees(conn, video_id=video.id)  # the held fees were part of the cost refunded
