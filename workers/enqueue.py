"""Enqueueing jobs: called after commit by the API, and by the reconciler."""

from __future__ import annotations

import logging
from uuid import UUID

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from workers import keys

logger = logging.getLogger(__name__)


async def enqueue_generation(redis: ArqRedis, video_id: UUID) -> bool:
    """Queue the generation job; False when Redis is unreachable or the job is already queued.

    A lost enqueue is not an error: the reconciler re-enqueues videos left QUEUED.
    """
    try:
        job = await redis.enqueue_job(
            "generate", str(video_id), _job_id=keys.generate_job_id(video_id), _queue_name=keys.QUEUE
        )
    except (RedisError, OSError) as exc:
        logger.warning("could not enqueue the generation of %s (the reconciler will): %r", video_id, exc)
        return False
    return job is not None
