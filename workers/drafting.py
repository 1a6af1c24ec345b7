"""Drafting rendered videos in groups (a group commit).

Setting a rendered video DRAFT and settling its escrow is one transaction of a few statements.
When generations finish close together (a busy worker), those that finish while a transaction
runs wait for the next one, which drafts them all: one BEGIN/COMMIT, one update, one ledger post
and one statement recording the VIDEO_DRAFTED events for the group instead of for each video (the
ledger accounts come with the claims; they are looked up only when a claim found one missing, a
holder's first fee). A video that finishes alone is drafted at once. One `Drafter` per worker
process (`ctx["drafter"]`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from redis.asyncio import Redis

from db.generation import refund, settle
from db.queries import activity, ledger, videos
from db.remix import reevaluate
from domain.activity import ActivityKind
from domain.policy import Decision
from workers import keys


@dataclass(frozen=True)
class Rendered:
    claimed: videos.Claimed
    media: videos.Media
    model: str


class Drafter:
    def __init__(self, pool: asyncpg.Pool, redis: Redis, *, generator: str) -> None:
        self._pool = pool
        self._redis = redis
        self._generator = generator
        self._waiting: list[tuple[Rendered, asyncio.Future[bool]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def draft(self, rendered: Rendered) -> bool:
        """DRAFT with its media and the escrow settled; False when the video was no longer
        GENERATING (another run finished or failed it meanwhile: its outcome stands)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((rendered, future))
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_all())
        return await future

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    drafted = await self._write([rendered for rendered, _ in group])
                except Exception as exc:  # the group wrote nothing: each of its jobs decides what next
                    for _, future in group:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for rendered, future in group:
                    video_id = rendered.claimed.video.id
                    if not future.done():
                        future.set_result(video_id in drafted)
                    drafted.discard(video_id)  # a second run of the same video in the group was not
        finally:
            self._writing = None

    async def _write(self, group: list[Rendered]) -> set[UUID]:
        """One transaction for the group; the videos it drafted (each at most once, also when racing
        runs of one generation are in the group: the first one's media is kept)."""
        first = {rendered.claimed.video.id: rendered for rendered in reversed(group)}
        async with self._pool.acquire() as conn, conn.transaction():
            drafted = await videos.set_drafted(
                conn, [(r.claimed.video.id, r.media, r.model) for r in first.values()], generator=self._generator
            )
            left = [r for video_id, r in first.items() if video_id not in {video.id for video in drafted}]
            failed = await self._recheck(conn, left, drafted) if left else []
            claims = {video.id: first[video.id].claimed for video in drafted}
            fees = [(video, claims[video.id].fees_by_holder()) for video in drafted]
            await settle(conn, fees, known=_accounts(claims.values()))
            drafts = [
                activity.NewEvent(video_id=v.id, users=[v.creator_id], members_of_holders_of=v.character_ids)
                for v in drafted
            ]
            events = await activity.record_all(conn, kind=ActivityKind.VIDEO_DRAFTED, events=drafts)
        statuses = {keys.video_status_channel(video.id): "DRAFT" for video in drafted}
        statuses |= {keys.video_status_channel(video_id): "FAILED" for video_id in failed}
        await activity.publish_all(self._redis, events, also=statuses)
        return {video.id for video in drafted}

    async def _recheck(self, conn: asyncpg.Connection, left: list[Rendered], drafted: list[videos.Video]) -> list[UUID]:
        """RULES §11: a video whose character published a policy version after it was licensed (while
        it rendered) is re-evaluated before it becomes a draft: DENY → FAILED and refunded in full;
        otherwise it is drafted (appended to `drafted`). The ids failed. Videos no longer
        GENERATING (another run finished or failed them) are left as they are."""
        failed, keep = [], []
        for rendered in left:
            video = await videos.lock_video(conn, video_id=rendered.claimed.video.id)
            if video is None or video.status != "GENERATING":
                continue
            decision = await reevaluate(conn, video)
            if decision.decision is Decision.DENY:
                reasons = "; ".join(reason.message for reason in decision.denial_reasons)
                await videos.set_status(conn, video_id=video.id, status="FAILED", reason=f"Refused: {reasons}")
                await refund(conn, video)
                failed.append(video.id)
            else:
                keep.append((video.id, rendered.media, rendered.model))
        if keep:
            drafted += await videos.set_drafted(conn, keep, generator=self._generator, policies_rechecked=True)
        return failed


def _accounts(claims: Iterable[videos.Claimed]) -> ledger.AccountIds:
    """The ledger accounts the claims found (ids never change, so any claim's are current)."""
    found = ledger.AccountIds({}, {}, {})
    for claim in claims:
        accounts = claim.accounts()
        found.holders.update(accounts.holders)
        found.system.update(accounts.system)
    return found
