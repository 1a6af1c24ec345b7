"""The arq worker: its jobs, cron schedule, and the clients built once per process."""

from __future__ import annotations

import logging
from typing import Any

from arq.connections import RedisSettings
from arq.cron import cron

from db.pool import create_pool
from settings import Settings
from workers import housekeeping, keys

logger = logging.getLogger(__name__)


async def on_startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    assert settings.database_url, "the worker needs DATABASE_URL"
    ctx["pool"] = await create_pool(settings.database_url)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    pool = ctx.get("pool")
    if pool is not None:
        await pool.close()


def worker_settings(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker` (also used by tests with burst=True)."""
    assert settings.redis_url, "the worker needs REDIS_URL"
    return {
        "functions": [housekeeping.purge_expired_tokens],
        "cron_jobs": [cron(housekeeping.purge_expired_tokens, minute={7}, run_at_startup=False)],
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "queue_name": keys.QUEUE,
        "health_check_key": keys.HEALTH_CHECK,
        "health_check_interval": 30,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "ctx": {"settings": settings},
        "job_timeout": settings.generation_job_timeout_seconds,
        "keep_result": 60,
    }
