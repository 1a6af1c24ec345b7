"""Enqueueing jobs: called after commit by the API, and by the reconciler."""

from __future__ import annotations

import logging
from uuid import UUID

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms
from redis.exceptions import RedisError

from workers import keys

logger = logging.getLogger(__name__)

# What `ArqRedis.enqueue_job` does (same keys, same serialized job, refused while the job id is
# queued or its result kept), as one atomic script: one round trip instead of arq's three
# (WATCH, EXISTS, MULTI/PSETEX/ZADD/EXEC). KEYS: job, result, queue; ARGV: expiry ms, job, score, id.
ENQUEUE = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('PSETEX', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
return 1
"""


async def enqueue_generation(redis: ArqRedis, video_id: UUID) -> bool:
    """Queue the generation job; False when Redis is unreachable or the job is already queued.

    A lost enqueue is not an error: the reconciler re-enqueues videos left QUEUED.
    """
    job_id = keys.generate_job_id(video_id)
    now = timestamp_ms()
    job = serialize_job("generate", (str(video_id),), {}, None, now, serializer=redis.job_serializer)
    job_keys = (job_key_prefix + job_id, result_key_prefix + job_id, keys.QUEUE)
    try:
        enqueue = redis.register_script(ENQUEUE)  # EVALSHA; the script is loaded on its first use
        queued = await enqueue(keys=job_keys, args=(redis.expires_extra_ms, job, now, job_id))
    except (RedisError, OSError) as exc:
        logger.warning("could not enqueue the generation of %s (the reconciler will): %r", video_id, exc)
        return False
    return bool(queued)
