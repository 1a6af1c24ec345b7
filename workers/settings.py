"""The arq worker: its jobs, cron schedule, and the clients built once per process."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import arq.worker
import uvloop
from arq.connections import RedisSettings
from arq.cron import cron

from db.catalog import Catalog
from db.pool import create_pool
from db.view_partitions import ensure_partitions
from domain import vocabulary
from settings import Settings
from workers import (
    claims,
    credit,
    generate,
    housekeeping,
    keys,
    media_removal,
    payouts,
    restrict,
    trending,
    view_retention,
)
from workers.drafting import Drafter
from workers.generators import build_generator
from workers.payout_provider import build_payout_provider
from workers.storage import storage_for
from workers.worker import Worker

logger = logging.getLogger(__name__)
FOLD_INTERVAL_SECONDS = 5  # how often the ledger's pending balance changes are folded in


async def on_startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    assert settings.database_url, "the worker needs DATABASE_URL"
    ctx["pool"] = await create_pool(
        settings.database_url, max_size=settings.worker_database_pool_size, generic_plans=True
    )
    async with ctx["pool"].acquire() as conn:
        await ensure_partitions(conn)  # the cron's first run may be up to an hour away
    ctx["catalog"] = Catalog(settings.database_url)
    ctx["storage"] = storage_for(settings)
    ctx["generator"] = build_generator(
        settings.generator,
        http_url=settings.generator_http_url,
        http_token=settings.generator_http_token,
        poll_seconds=settings.generator_http_poll_seconds,
        timeout_seconds=settings.generator_http_timeout_seconds,
    )
    ctx["payout_provider"] = build_payout_provider(settings)
    ctx["drafter"] = Drafter(ctx["pool"], ctx["redis"], generator=ctx["generator"].name)
    vocabulary.load()  # before the first job that re-evaluates a policy with banned terms


async def on_shutdown(ctx: dict[str, Any]) -> None:
    if "catalog" in ctx:
        await ctx["catalog"].close()
    if "pool" in ctx:
        await ctx["pool"].close()


def serve(options: dict[str, Any], worker_class: type[arq.worker.Worker] = Worker) -> None:
    """Run an arq worker with these options until it is stopped, on uvloop's event loop (uvicorn
    runs the API on it too): a busy worker's time goes mostly to system calls, and libuv makes
    fewer per round trip (strace of a worker under bench/queue.py: 178 → 164 per generation)."""
    asyncio.set_event_loop(uvloop.new_event_loop())  # arq's Worker takes the current loop
    worker_class(**options).run()


def every(seconds: int) -> set[int]:
    """The seconds of a minute at which a cron job runs to repeat about every `seconds` (≤ 60)."""
    return set(range(0, 60, max(1, min(seconds, 60))))


def worker_settings(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker` (also used by tests with burst=True)."""
    assert settings.redis_url, "the worker needs REDIS_URL"
    return {
        "functions": [
            generate.generate,
            generate.reconcile,
            restrict.restrict_sweep,
            trending.recompute_trending,
            housekeeping.purge_expired_tokens,
            housekeeping.fold_pending_balances,
            credit.credit_views,
            claims.resolve_claim_deadlines,
            payouts.send_payout,
            payouts.reconcile_payouts,
            media_removal.remove_due_media,
            media_removal.remove_video_media,
            view_retention.keep_view_partitions,
        ],
        "cron_jobs": [
            cron(generate.reconcile, second=every(settings.reconcile_interval_seconds), run_at_startup=True),
            cron(trending.recompute_trending, second={30}, run_at_startup=True),
            cron(housekeeping.purge_expired_tokens, minute={7}, second={0}),
            cron(housekeeping.fold_pending_balances, second=every(FOLD_INTERVAL_SECONDS)),
            cron(credit.credit_views, second=every(settings.credit_interval_seconds), run_at_startup=True),
            cron(claims.resolve_claim_deadlines, second=every(settings.claim_deadline_interval_seconds)),
            cron(payouts.reconcile_payouts, second=every(settings.reconcile_interval_seconds), run_at_startup=True),
            cron(media_removal.remove_due_media, minute=set(range(3, 60, 10)), second={0}),
            cron(view_retention.keep_view_partitions, minute={17}, second={0}),
        ],
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "queue_name": keys.QUEUE,
        "health_check_key": keys.HEALTH_CHECK,
        "health_check_interval": 30,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "ctx": {"settings": settings},
        "job_timeout": settings.generation_job_timeout_seconds,
        "max_tries": settings.generation_max_tries,
        "keep_result": 60,
        "poll_delay": 0.01,  # arq's 0.5 s default puts ~200 ms between enqueue and start
    }
