"""createRemix: plan, charge and queue a generation in one transaction, then enqueue its job."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.errors import UserError, invalid, user_errors
from api.remix.queries import pricing_config, refuse_blocked_source, remix_request
from api.remix.types import RemixInput
from api.videos.types import Video, load_video
from db.generation import GenerationConfig, create_generation
from domain.errors import DomainError
from workers.enqueue import enqueue_generation

MAX_IDEMPOTENCY_KEY_LENGTH = 200


@strawberry.type
class VideoPayload:
    video: Video | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def generation_config(info: Info) -> GenerationConfig:
    settings = info.context.services.settings
    return GenerationConfig(
        pricing=pricing_config(info),
        max_active=settings.max_active_generations_per_user,
        max_per_day=settings.max_generations_per_day,
    )


@strawberry.type
class RemixMutations:
    @strawberry.mutation(
        description="Queues a generation: checks every character's policy, charges the wallet (or a free "
        "generation), and returns the QUEUED video."
    )
    async def create_remix(self, info: Info, input: RemixInput) -> VideoPayload:
        viewer_id = info.context.require_viewer()
        services = info.context.services
        try:
            key = input.idempotency_key
            if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
                message = f"Idempotency key must be 1-{MAX_IDEMPOTENCY_KEY_LENGTH} characters."
                raise DomainError(invalid(message, "input", "idempotencyKey"))
            request = remix_request(viewer_id, input)
            await refuse_blocked_source(info, request.remix_of_id)
            async with info.context.pool.acquire() as conn:
                created = await create_generation(
                    conn,
                    services.catalog,
                    generation_config(info),
                    request,
                    aspect=str(input.aspect),
                    idempotency_key=key,
                )
        except DomainError as error:
            return VideoPayload(user_errors=user_errors(error))
        if created.video is not None:
            await enqueue_generation(services.redis, created.video_id)
            info.context.loaders.video.prime(created.video_id, created.video)  # as written: no read back
        return VideoPayload(video=await load_video(info, created.video_id))
