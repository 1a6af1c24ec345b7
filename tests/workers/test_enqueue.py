"""The generation job is enqueued the way arq's own enqueue_job does it, once per job id."""

from __future__ import annotations

from uuid import uuid4

import pytest
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus

from workers import keys
from workers.enqueue import enqueue_generation

pytestmark = pytest.mark.usefixtures("clean_state")


async def test_a_job_is_queued_once_as_arq_would_queue_it(arq_redis: ArqRedis) -> None:
    video_id = uuid4()
    assert await enqueue_generation(arq_redis, video_id)
    assert not await enqueue_generation(arq_redis, video_id)  # already queued: refused, like arq's

    job = Job(keys.generate_job_id(video_id), arq_redis, _queue_name=keys.QUEUE)
    assert await job.status() is JobStatus.queued
    info = await job.info()
    assert info is not None
    assert (info.function, info.args, info.kwargs, info.job_try) == ("generate", (str(video_id),), {}, None)
    assert await arq_redis.zcard(keys.QUEUE) == 1
    assert 0 < await arq_redis.pttl(f"arq:job:{job.job_id}") <= arq_redis.expires_extra_ms


async def test_a_kept_result_refuses_the_same_job_id(arq_redis: ArqRedis) -> None:
    video_id = uuid4()
    await arq_redis.set(f"arq:result:{keys.generate_job_id(video_id)}", b"done")
    assert not await enqueue_generation(arq_redis, video_id)
    assert await arq_redis.zcard(keys.QUEUE) == 0


async def test_an_unreachable_redis_is_not_an_error() -> None:
    unreachable = ArqRedis(host="127.0.0.1", port=1)  # nothing listens there
    try:
        assert not await enqueue_generation(unreachable, uuid4())
    finally:
        await unreachable.aclose()
