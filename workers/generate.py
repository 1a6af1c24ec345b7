"""The generation job and its reconciler (RULES §4).

`generate(ctx, video_id)` is idempotent: it claims the video with a conditional update and
does nothing once the video has left QUEUED/GENERATING. It re-evaluates the policies (a policy
published since createRemix wins), renders, stores media, thumbnail and provenance
manifest, then sets DRAFT and settles the escrow in one transaction (shared with the other
videos the worker finished meanwhile: workers/drafting.py). Transient generator
errors retry with exponential backoff; the last failure sets FAILED and refunds.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson
from arq import Retry
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from db.generation import refund
from db.queries import videos
from db.remix import claim_and_reevaluate
from domain.policy import Decision
from settings import Settings
from workers import keys
from workers.drafting import Drafter, Rendered
from workers.enqueue import enqueue_generation
from workers.generators import Aspect, GenerationRefused, Generator, RenderRequest, RenderResult
from workers.media import probe
from workers.storage import Storage

logger = logging.getLogger(__name__)
IN_FLIGHT = ("QUEUED", "GENERATING")


@dataclass(frozen=True)
class Job:
    settings: Settings
    pool: asyncpg.Pool
    redis: ArqRedis
    storage: Storage
    generator: Generator
    drafter: Drafter
    attempt: int

    @classmethod
    def of(cls, ctx: dict[str, Any]) -> Job:
        return cls(
            ctx["settings"], ctx["pool"], ctx["redis"], ctx["storage"], ctx["generator"], ctx["drafter"], ctx["job_try"]
        )

    async def publish(self, video_id: UUID, status: str) -> None:
        await publish(self.redis, video_id, status)


async def publish(redis: ArqRedis, video_id: UUID, status: str) -> None:
    """Tell every API process (videoStatus subscribers) that the video changed. Never raises: the
    change is committed, and a Redis error must not fail the job (it is logged)."""
    try:
        await redis.publish(keys.video_status_channel(video_id), status)
    except (RedisError, OSError) as exc:
        logger.warning("could not announce %s of %s: %r", status, video_id, exc)


async def generate(ctx: dict[str, Any], video_id: str) -> str:
    job = Job.of(ctx)
    claimed = await _start(job, UUID(video_id))
    if claimed is None:
        return "nothing to do"
    video, facts = claimed.video, provenance(claimed, generator=job.generator.name)
    try:
        async with job.generator.render(render_request(video, facts)) as result:
            media = await _store(job, video, facts, result)
    except GenerationRefused as refused:
        await fail(job.pool, job.redis, video.id, f"The video provider refused the prompt: {refused.reason}")
        return "refused"
    except Exception as exc:  # transient or unexpected: retried, then failed with a refund
        if job.attempt < job.settings.generation_max_tries:
            logger.warning("generation of %s failed (try %d), retrying: %r", video.id, job.attempt, exc)
            raise Retry(defer=job.settings.generation_retry_base_seconds * 2 ** (job.attempt - 1)) from exc
        logger.exception("generation of %s failed for good after %d tries", video.id, job.attempt)
        await fail(job.pool, job.redis, video.id, f"Generation failed after {job.attempt} tries; you were refunded.")
        return "failed"
    try:
        return await _finish(job, claimed, media, result.model)
    except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:  # transient: try the job again
        raise Retry(defer=job.settings.generation_retry_base_seconds) from exc


async def _start(job: Job, video_id: UUID) -> videos.Claimed | None:
    """Claim the video (GENERATING) unless it moved on; None when it had, or when a policy now
    refuses it (FAILED, refunded).

    No lock is needed to claim: the update only moves a video still in flight, so a run that lost
    the race (its video finished, failed or was deleted meanwhile) does nothing.
    """
    async with job.pool.acquire() as conn:
        found = await claim_and_reevaluate(conn, video_id=video_id, statuses=IN_FLIGHT)
    if found is None:
        return None
    claimed, decision = found
    if decision.decision is Decision.DENY:
        reasons = "; ".join(reason.message for reason in decision.denial_reasons)
        await fail(job.pool, job.redis, video_id, f"Refused: {reasons}")
        return None
    await job.publish(video_id, "GENERATING")
    return claimed


async def fail(pool: asyncpg.Pool, redis: ArqRedis, video_id: UUID, reason: str) -> None:
    """FAILED with the reason and a full refund, unless the video has moved on."""
    async with pool.acquire() as conn, conn.transaction():
        video = await videos.lock_video(conn, video_id=video_id)
        if video is None or video.status not in IN_FLIGHT:
            return
        await videos.set_status(conn, video_id=video_id, status="FAILED", reason=reason)
        await refund(conn, video)
    await publish(redis, video_id, "FAILED")


async def _finish(job: Job, claimed: videos.Claimed, media: videos.Media, model: str) -> str:
    """DRAFT and settled, with the other videos this worker finished meanwhile (workers/drafting.py)."""
    drafted = await job.drafter.draft(Rendered(claimed, media, model))
    if not drafted:
        await _discard_unused(job, claimed.video.id, media)
    return "drafted" if drafted else "superseded"  # superseded: another run finished or failed it; that stands


# A video no run can draft any more (only GENERATING ones are drafted) and that holds no media.
UNUSED = "SELECT media_key IS NULL AND status IN ('TAKEN_DOWN', 'DELETED', 'FAILED') FROM videos WHERE id = $1"


async def _discard_unused(job: Job, video_id: UUID, media: videos.Media) -> None:
    """The files this run stored for a video that was taken down, deleted or failed while it rendered
    (RULES §11: no media is left behind). A run that lost to another run of the same generation keeps
    them: the winner's media has the same keys."""
    if await job.pool.fetchval(UNUSED, video_id):
        for key in (media.key, media.thumbnail_key, media.manifest_key):
            await job.storage.delete(key)


def provenance(claimed: videos.Claimed, *, generator: str) -> dict[str, Any]:
    """The facts of a video's making: generator, prompt hash, characters and policy versions, creator."""
    video = claimed.video
    return {
        "video_id": str(video.id),
        "generator": generator,
        "prompt_sha256": hashlib.sha256(video.prompt.encode()).hexdigest(),
        "characters": [
            {
                "id": str(lic.character_id),
                "name": lic.character_name,
                "holder": {"id": str(lic.holder_id), "name": lic.holder_name},
                "policy_version": lic.policy_version,
                "attribution": lic.attribution,
            }
            for lic in claimed.licensed
        ],
        "creator": {"id": str(video.creator_id), "handle": claimed.creator_handle},
        "created_at": video.created_at.astimezone(UTC).isoformat(),
        "rendered_at": datetime.now(UTC).isoformat(),
    }


def render_request(video: videos.Video, facts: dict[str, Any]) -> RenderRequest:
    characters = facts["characters"]
    return RenderRequest(
        video_id=video.id,
        prompt=video.prompt,
        duration_seconds=video.duration_seconds,
        aspect=Aspect(video.aspect),
        character_names=tuple(c["name"] for c in characters),
        attributions=tuple(c["attribution"] for c in characters if c["attribution"]),
        metadata={"fanreel_provenance": json.dumps(facts, sort_keys=True)},
    )


async def _store(job: Job, video: videos.Video, facts: dict[str, Any], result: RenderResult) -> videos.Media:
    """Upload video and thumbnail, then the provenance manifest (which includes the media's measured hash)."""
    info = result.info or await probe(result.video_path)
    prefix = f"videos/{video.id}"
    stored, thumbnail = await asyncio.gather(
        job.storage.put_file(f"{prefix}/video.mp4", result.video_path, "video/mp4"),
        job.storage.put_file(f"{prefix}/thumbnail.jpg", result.thumbnail_path, "image/jpeg"),
    )
    manifest = facts | {"model": result.model, "media_sha256": stored.sha256}
    data = orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)  # UTF-8, not \u escapes
    manifest_object = await job.storage.put_bytes(f"{prefix}/provenance.json", data, "application/json")
    return videos.Media(
        key=stored.key,
        thumbnail_key=thumbnail.key,
        manifest_key=manifest_object.key,
        content_type="video/mp4",
        width=info.width,
        height=info.height,
        duration_seconds=info.duration_seconds,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
    )


async def reconcile(ctx: dict[str, Any]) -> int:
    """Re-enqueue generations stuck QUEUED/GENERATING past the job timeout (a dead worker, a lost
    enqueue, Redis losing its data); fail and refund the ones that already used every try."""
    settings: Settings = ctx["settings"]
    pool: asyncpg.Pool = ctx["pool"]
    async with pool.acquire() as conn:
        stuck = await videos.stuck_video_ids(conn, older_than_seconds=settings.generation_job_timeout_seconds)
        rows = await videos.get_videos(conn, video_ids=stuck)
        await videos.touch(conn, video_ids=stuck)  # the next round waits a full timeout again
    for video in rows:
        if video.attempts >= settings.generation_max_tries:
            reason = f"Generation failed after {video.attempts} tries; you were refunded."
            await fail(pool, ctx["redis"], video.id, reason)
        else:
            await enqueue_generation(ctx["redis"], video.id)
    if rows:
        logger.info("reconciler re-enqueued or failed %d stuck generations", len(rows))
    return len(rows)
