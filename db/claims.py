"""Claims and appeals as transactions (RULES §8): filing, disputing, resolving by a party or by the
deadline, and paying out the revenue a claim held.

The API checks who may act; these functions check the state (DomainError when it does not allow the
move) and write in the caller's transaction. Each resolution is one ledger transaction at most
(CLAIM_HELD → the parties of the split), recorded with its per-party shares like a crediting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from db.crediting import owed
from db.queries import activity, claims, ledger, revenue, videos
from db.queries.claims import Claim
from db.queries.revenue import PartyCredit
from domain.activity import ActivityKind
from domain.claims import (
    BRAKE_WINDOW,
    ClaimAction,
    ClaimKind,
    ClaimStatus,
    brake_until,
    outcome_at_deadline,
)
from domain.errors import DomainError, ErrorCode, FieldError
from domain.ledger import AccountKind, LedgerKind, Posting
from domain.revenue import Split, SplitConfig, owed_difference


@dataclass(frozen=True)
class ClaimRules:
    dispute_days: int = 14
    response_days: int = 14


def _conflict(message: str, *field: str) -> DomainError:
    return DomainError(FieldError(ErrorCode.CONFLICT, message, field or None))


async def check_brake(conn: asyncpg.Connection, *, holder_id: UUID, now: datetime) -> None:
    """RATE_LIMITED while the holder's released and expired claims trip the abuse brake."""
    released = await claims.released_since(conn, holder_id=holder_id, since=now - 2 * BRAKE_WINDOW)
    until = brake_until(released, now)
    if until is not None:
        raise DomainError(
            FieldError(
                ErrorCode.RATE_LIMITED,
                f"Too many of this holder's claims were released; it may file again from {until.isoformat()}.",
                ("input", "characterId"),
            )
        )


async def file_missed_character(
    conn: asyncpg.Connection,
    *,
    video: videos.Video,
    character_id: UUID,
    holder_id: UUID,
    filed_by: UUID,
    action: ClaimAction,
    reason: str,
    now: datetime,
    rules: ClaimRules,
) -> tuple[Claim, activity.Event]:
    """An OPEN claim; from now the video's view revenue is held. The caller holds the video's lock."""
    if video.status != "PUBLISHED":
        raise _conflict(f"Only published videos can be claimed; this one is {video.status}.", "input", "videoId")
    if character_id in video.character_ids:
        raise _conflict("The video already has a license for that character.", "input", "characterId")
    await check_brake(conn, holder_id=holder_id, now=now)
    if await claims.holding(conn, video_ids=[video.id]):
        raise _conflict("The video already has an open claim.", "input", "videoId")
    views_from = await claims.lock_credited_views(conn, video_id=video.id)
    claim = await claims.insert_claim(
        conn,
        kind=ClaimKind.MISSED_CHARACTER,
        video_id=video.id,
        character_id=character_id,
        holder_id=holder_id,
        filed_by=filed_by,
        action=action,
        reason=reason,
        deadline=now + timedelta(days=rules.dispute_days),
        views_from=views_from,
    )
    event = await activity.record(
        conn,
        kind=ActivityKind.CLAIM_FILED,
        actor_id=filed_by,
        video_id=video.id,
        character_id=character_id,
        users=[video.creator_id],
    )
    return claim, event


async def file_appeal(
    conn: asyncpg.Connection, *, video: videos.Video, reason: str, now: datetime, rules: ClaimRules
) -> tuple[Claim, activity.Event]:
    """The creator appeals a takedown or rejection, once per video; the holders have to answer."""
    if video.status not in ("TAKEN_DOWN", "REJECTED"):
        raise _conflict(f"Only taken-down or rejected videos can be appealed; this one is {video.status}.", "input")
    claim = await claims.insert_claim(
        conn,
        kind=ClaimKind.APPEAL,
        video_id=video.id,
        filed_by=video.creator_id,
        reason=reason,
        deadline=now + timedelta(days=rules.response_days),
        appealed_status=video.status,
    )
    event = await activity.record(
        conn,
        kind=ActivityKind.APPEAL_FILED,
        actor_id=video.creator_id,
        video_id=video.id,
        members_of_holders_of=list(video.character_ids),
    )
    return claim, event


async def dispute(
    conn: asyncpg.Connection, *, claim: Claim, video: videos.Video, reason: str, now: datetime, rules: ClaimRules
) -> tuple[Claim, activity.Event]:
    """The creator disputes an OPEN claim before its deadline; the holder then has to answer."""
    if claim.kind is not ClaimKind.MISSED_CHARACTER or claim.status is not ClaimStatus.OPEN:
        raise _conflict(f"Only an open claim can be disputed; this one is {claim.status}.", "input", "claimId")
    if claim.deadline is not None and claim.deadline <= now:
        raise _conflict("The time to dispute this claim has passed.", "input", "claimId")
    disputed = await claims.dispute(
        conn, claim_id=claim.id, response=reason, deadline=now + timedelta(days=rules.response_days)
    )
    assert claim.character_id is not None
    event = await activity.record(
        conn,
        kind=ActivityKind.CLAIM_DISPUTED,
        actor_id=video.creator_id,
        video_id=video.id,
        character_id=claim.character_id,
        members_of_holders_of=[claim.character_id],
    )
    return disputed, event


async def lock_for_resolution(conn: asyncpg.Connection, *, claim_id: UUID) -> Claim | None:
    """The claim, locked with what its resolution changes, in the order every writer takes them: the
    video, its revenue row (crediting takes that one first and then updates the claim), the claim."""
    found = await claims.get_claims(conn, claim_ids=[claim_id])
    if not found:
        return None
    await videos.lock_video(conn, video_id=found[0].video_id)
    if found[0].kind is ClaimKind.MISSED_CHARACTER:
        await claims.lock_credited_views(conn, video_id=found[0].video_id)
    return await claims.lock_claim(conn, claim_id=claim_id)


def may_resolve(claim: Claim) -> bool:
    """Whether the holder side may decide now: a disputed claim, or an open appeal."""
    if claim.kind is ClaimKind.APPEAL:
        return claim.status is ClaimStatus.OPEN
    return claim.status is ClaimStatus.DISPUTED


async def resolve(
    conn: asyncpg.Connection,
    *,
    claim: Claim,
    status: ClaimStatus,
    response: str | None,
    actor_id: UUID | None,
    now: datetime,
    config: SplitConfig,
) -> tuple[Claim, activity.Event]:
    """End a claim (locked by `lock_for_resolution`): the video's fate, the held revenue paid, both sides told."""
    video = await videos.lock_video(conn, video_id=claim.video_id)
    assert video is not None
    views_to, release = None, None
    if claim.kind is ClaimKind.MISSED_CHARACTER:
        if status is ClaimStatus.UPHELD and claim.action is ClaimAction.ADD_LICENSE:
            await _add_license(conn, claim)
        elif status is ClaimStatus.UPHELD and video.status == "PUBLISHED":
            await videos.unpublish(conn, video=video, status="TAKEN_DOWN", reason=f"Claim upheld: {claim.reason}")
        views_to = await claims.lock_credited_views(conn, video_id=video.id)
        release = await _release_held(conn, claim, views_to, config)
    elif status is not ClaimStatus.UPHELD:  # an appeal that went the creator's way
        if video.status == claim.appealed_status == "TAKEN_DOWN" and video.published_at is not None:
            await _republish(conn, video)
        elif video.status == claim.appealed_status:  # rejected, or taken down before it was ever published
            await _to_draft(conn, video)
    resolved = await claims.resolve(
        conn,
        claim_id=claim.id,
        status=status,
        response=response,
        at=now,
        views_to=views_to,
        release_transaction_id=release,
    )
    event = await activity.record(
        conn,
        kind=ActivityKind.CLAIM_RESOLVED,
        actor_id=actor_id,
        video_id=video.id,
        character_id=claim.character_id,
        users=[video.creator_id],
        members_of_holders_of=[claim.character_id] if claim.character_id else list(video.character_ids),
    )
    return resolved, event


TO_DRAFT = "UPDATE videos SET status = 'DRAFT', status_reason = NULL, updated_at = now() WHERE id = $1"
# Back where it was: its first publication time (its place in feeds), no longer unpublished.
REPUBLISH = """
UPDATE videos SET status = 'PUBLISHED', status_reason = NULL, unpublished_at = NULL, updated_at = now() WHERE id = $1
"""


async def _republish(conn: asyncpg.Connection, video: videos.Video) -> None:
    await conn.execute(REPUBLISH, video.id)
    if video.remix_of_id is not None:
        await conn.execute(videos.COUNT_REMIX, video.remix_of_id)


async def _to_draft(conn: asyncpg.Connection, video: videos.Video) -> None:
    await conn.execute(TO_DRAFT, video.id)


async def _add_license(conn: asyncpg.Connection, claim: Claim) -> None:
    """The claimed character joins at its current policy's share, counting from the claim's first held view."""
    from db.queries import policies

    assert claim.character_id is not None and claim.views_from is not None
    current = (await policies.current_policies(conn, character_ids=[claim.character_id])).get(claim.character_id)
    if current is None:  # the holder withdrew the character's policy meanwhile: nothing to license
        return
    await claims.add_license(
        conn,
        video_id=claim.video_id,
        character_id=claim.character_id,
        policy_version=current.policy.version,
        share_bps=current.policy.revenue_share_bps,
        attribution=current.policy.attribution,
        joined_at_views=claim.views_from,
    )


async def _release_held(conn: asyncpg.Connection, claim: Claim, views_to: int, config: SplitConfig) -> UUID | None:
    """Pay the held revenue as the split of the held views with the video's licenses now; one transaction."""
    assert claim.views_from is not None
    if claim.held_micros == 0:
        return None
    facts = (await revenue.revenue_facts(conn, video_ids=[claim.video_id], depth=config.remix_ancestor_depth))[
        claim.video_id
    ]
    due = owed_difference(owed(facts, claim.views_from, config), owed(facts, views_to, config))
    parties = await _parties(conn, due, facts.creator_id, claim.video_id, claim.held_micros)
    held_account = await ledger.system_account(conn, AccountKind.CLAIM_HELD)
    postings = [Posting(held_account, -claim.held_micros), *(Posting(p.account_id, p.amount_micros) for p in parties)]
    transaction_id = await ledger.post(
        conn,
        kind=LedgerKind.CLAIM_RELEASE,
        postings=postings,
        video_id=claim.video_id,
        memo=f"claim {claim.id}: revenue of views {claim.views_from} to {views_to}",
    )
    await claims.record_release(conn, claim_id=claim.id, views=views_to - claim.views_from, parties=parties)
    return transaction_id


async def _parties(
    conn: asyncpg.Connection, due: Split, creator_id: UUID, video_id: UUID, held: int
) -> list[PartyCredit]:
    # The rate is fixed, so the split's gross is what was held; should VIEW_REVENUE_MICROS have
    # changed meanwhile, the difference is the creator's (as any rounding of the split is).
    holders = await revenue.holder_accounts(conn, holder_ids=[lic.holder_id for lic, _ in due.holders])
    users = await revenue.wallets(conn, user_ids=[creator_id, *(a.creator_id for a, _ in due.ancestors)])
    platform = await ledger.system_account(conn, AccountKind.PLATFORM)
    creator = due.creator + held - due.gross
    if creator < 0:
        raise RuntimeError(f"claim on video {video_id} held {held} but its views owe {due.gross}")
    return [
        PartyCredit("PLATFORM", platform, due.platform),
        *(
            PartyCredit(
                "HOLDER", holders[lic.holder_id], amount, holder_id=lic.holder_id, character_id=lic.character_id
            )
            for lic, amount in due.holders
        ),
        *(
            PartyCredit("ANCESTOR", users[a.creator_id], amount, user_id=a.creator_id, item_video_id=a.video_id)
            for a, amount in due.ancestors
        ),
        PartyCredit("CREATOR", users[creator_id], creator, user_id=creator_id, item_video_id=video_id),
    ]


async def resolve_due(pool: asyncpg.Pool, *, now: datetime, config: SplitConfig) -> list[activity.Event]:
    """Resolve every claim whose deadline passed by `now` with its default outcome, one transaction each."""
    events = []
    async with pool.acquire() as conn:
        for claim_id in await claims.due_claim_ids(conn, now=now):
            async with conn.transaction():
                claim = await lock_for_resolution(conn, claim_id=claim_id)
                if claim is None or not claim.is_open or claim.deadline is None or claim.deadline > now:
                    continue  # resolved meanwhile by a party or another worker
                outcome = outcome_at_deadline(claim.kind, claim.status)
                _, event = await resolve(
                    conn, claim=claim, status=outcome, response=None, actor_id=None, now=now, config=config
                )
                events.append(event)
    return events
