"""The payout job and its reconciler (RULES §9): send a requested payout to the provider and settle it
on its answer. At-least-once (retries, the reconciler), exactly-once money (db/payouts.py)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from arq import Retry
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from db import payouts as payout_service
from db.queries import payouts
from settings import Settings
from workers import keys
from workers.payout_provider import PayoutRefused, TransientPayoutError

logger = logging.getLogger(__name__)


def payout_job_id(payout_id: UUID) -> str:
    return f"payout:{payout_id}"


async def enqueue_payout(redis: ArqRedis, payout_id: UUID) -> bool:
    """Queue the payout's job; False when Redis is unreachable or it is queued (the reconciler retries)."""
    try:
        job = await redis.enqueue_job(
            "send_payout", str(payout_id), _job_id=payout_job_id(payout_id), _queue_name=keys.QUEUE
        )
    except (RedisError, OSError) as exc:
        logger.warning("could not enqueue payout %s (the reconciler will): %r", payout_id, exc)
        return False
    return job is not None


async def send_payout(ctx: dict[str, Any], payout_id: str) -> str:
    """Create (or find, by the payout's idempotency key) the provider's transfer and settle on its status."""
    settings: Settings = ctx["settings"]
    provider = ctx["payout_provider"]
    async with ctx["pool"].acquire() as conn:
        if await payouts.mark_sending(conn, payout_id=UUID(payout_id)) is None:
            return "settled already"
        (payout,) = await payouts.get_payouts(conn, payout_ids=[UUID(payout_id)])
    try:
        transfer = await provider.create_transfer(
            payout_id=payout.id, amount_micros=payout.amount_micros, destination=payout.destination
        )
        if transfer.status == "pending":
            transfer = await provider.get_transfer(transfer.id)
    except PayoutRefused as exc:
        return await _settle(ctx, payout.id, paid=False, reason=str(exc))
    except TransientPayoutError as exc:
        logger.warning("payout %s: %s; retrying", payout.id, exc)
        raise Retry(defer=settings.payout_retry_seconds) from exc
    async with ctx["pool"].acquire() as conn:
        await payouts.set_reference(conn, payout_id=payout.id, reference=transfer.id)
    if transfer.status == "pending":  # asked again later: the same key finds the same transfer
        raise Retry(defer=settings.payout_retry_seconds)
    return await _settle(ctx, payout.id, paid=transfer.status == "paid", reason=transfer.failure_message)


async def _settle(ctx: dict[str, Any], payout_id: UUID, *, paid: bool, reason: str | None) -> str:
    async with ctx["pool"].acquire() as conn, conn.transaction():
        settled = await payout_service.settle(conn, payout_id=payout_id, paid=paid, failure_reason=reason)
    outcome = "paid" if paid else "failed"
    logger.info("payout %s %s%s", payout_id, outcome, "" if settled else " (settled already)")
    return outcome


async def reconcile_payouts(ctx: dict[str, Any]) -> int:
    """Re-enqueue PENDING payouts nobody touched for PAYOUT_RECONCILE_SECONDS (a worker died mid-payout,
    the job used its tries, Redis lost it)."""
    settings: Settings = ctx["settings"]
    async with ctx["pool"].acquire() as conn:
        stale = await payouts.stale_payout_ids(conn, older_than_seconds=settings.payout_reconcile_seconds)
    for payout_id in stale:
        await enqueue_payout(ctx["redis"], payout_id)
    if stale:
        logger.info("re-enqueued %d stale payouts", len(stale))
    return len(stale)
