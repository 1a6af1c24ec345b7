"""The worker claims the jobs it starts in one script per poll: every job runs once however many
workers poll the queue, a job another worker runs or one not yet due is left, and no more are
started than there are free slots."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix
from arq.jobs import Job
from arq.worker import func

from settings import Settings
from workers.worker import Worker

pytestmark = pytest.mark.usefixtures("clean_state")
QUEUE = "test:claims"


async def record(ctx: dict[str, Any], n: int) -> None:
    ctx["ran"].append(n)
    await asyncio.sleep(0.005)  # long enough for the other workers to poll meanwhile


def make_worker(settings: Settings, ran: list[int], **options: Any) -> Worker:
    assert settings.redis_url
    return Worker(
        functions=[func(record, name="record")],  # type: ignore[list-item]
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        queue_name=QUEUE,
        ctx={"ran": ran},
        burst=True,
        poll_delay=0.002,
        handle_signals=False,
        **options,
    )


async def enqueue(redis: ArqRedis, n: int, **options: Any) -> Job:
    job = await redis.enqueue_job("record", n, _queue_name=QUEUE, **options)
    assert job is not None
    return job


async def test_racing_workers_run_every_job_once(arq_redis: ArqRedis, settings: Settings) -> None:
    for n in range(100):
        await enqueue(arq_redis, n)
    ran: list[int] = []
    workers = [make_worker(settings, ran, max_jobs=4) for _ in range(3)]
    try:
        await asyncio.gather(*(worker.main() for worker in workers))
    finally:
        for worker in workers:
            await worker.close()
    assert sorted(ran) == list(range(100))
    assert sum(worker.jobs_complete for worker in workers) == 100
    assert await arq_redis.zcard(QUEUE) == 0


async def test_a_job_running_elsewhere_or_not_yet_due_is_left(arq_redis: ArqRedis, settings: Settings) -> None:
    elsewhere = await enqueue(arq_redis, 1)
    await arq_redis.set(in_progress_key_prefix + elsewhere.job_id, b"1")  # as another worker's claim leaves it
    later = await enqueue(arq_redis, 2, _defer_by=60)
    due = await enqueue(arq_redis, 3)
    ran: list[int] = []
    worker = make_worker(settings, ran, redis_pool=arq_redis)
    await worker.start_jobs([job.job_id.encode() for job in (elsewhere, later, due)])
    await asyncio.gather(*worker.tasks.values())
    assert ran == [3]
    assert await arq_redis.zcard(QUEUE) == 2  # the other two are still queued, for their time


async def test_no_more_jobs_start_than_there_are_free_slots(arq_redis: ArqRedis, settings: Settings) -> None:
    jobs = [await enqueue(arq_redis, n) for n in range(5)]
    ran: list[int] = []
    worker = make_worker(settings, ran, redis_pool=arq_redis, max_jobs=2)
    await worker.start_jobs([job.job_id.encode() for job in jobs])
    claimed = [await arq_redis.exists(in_progress_key_prefix + job.job_id) for job in jobs]
    assert claimed == [1, 1, 0, 0, 0]  # the others are left unmarked, for the next poll or another worker
    assert set(worker.tasks) == {jobs[0].job_id, jobs[1].job_id}
    await asyncio.gather(*worker.tasks.values())
    assert sorted(ran) == [0, 1]
    assert await arq_redis.exists(*(in_progress_key_prefix + job.job_id for job in jobs)) == 0  # released
