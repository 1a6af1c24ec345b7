"""Leaving the platform (RULES §11): exportMyData and deleteAccount."""

from __future__ import annotations

import json
import uuid

import strawberry

from api.auth import verify_password
from api.context import Info
from api.errors import UserError, invalid, user_errors
from db.account_deletion import delete_account
from db.account_export import export_user
from db.media_removal import record_export
from domain.errors import DomainError
from workers import keys

PASSWORD_HASH = "SELECT password_hash FROM users WHERE id = $1"


@strawberry.type
class ExportPayload:
    url: str | None = strawberry.field(
        default=None, description="A short-lived URL of a JSON archive of the viewer's data."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class DeleteAccountInput:
    password: str


@strawberry.type
class DeleteAccountPayload:
    deleted: bool
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LeavingMutations:
    @strawberry.mutation(description="A JSON archive of the viewer's data behind a signed URL (MEDIA_URL_TTL_SECONDS).")
    async def export_my_data(self, info: Info) -> ExportPayload:
        viewer_id = info.context.require_viewer()
        services = info.context.services
        # Under a random name, never public: only the signed URL serves it, and the media cron removes
        # the file once that has expired (recorded before it is written, so none is forgotten).
        key = f"exports/{viewer_id}/{uuid.uuid4()}.json"
        async with info.context.pool.acquire() as conn:
            document = await export_user(conn, user_id=viewer_id)
            await record_export(conn, key=key, user_id=viewer_id)
        data = json.dumps(document, indent=2, sort_keys=True).encode()
        await services.storage.put_bytes(key, data, "application/json")
        return ExportPayload(url=services.storage.signed_url(key, services.settings.media_url_ttl_seconds))

    @strawberry.mutation(
        description="Deletes the viewer's account (password re-entered): gone from every public surface at once; "
        "personal data, cameo, videos and media within ACCOUNT_DELETION_DAYS; ledger entries stay, anonymised."
    )
    async def delete_account(self, info: Info, input: DeleteAccountInput) -> DeleteAccountPayload:
        viewer_id = info.context.require_viewer()
        async with info.context.pool.acquire() as conn:
            if not await verify_password(await conn.fetchval(PASSWORD_HASH, viewer_id), input.password):
                error = DomainError(invalid("The password is not right.", "input", "password"))
                return DeleteAccountPayload(deleted=False, user_errors=user_errors(error))
            async with conn.transaction():
                video_ids = await delete_account(conn, user_id=viewer_id)
        if video_ids:
            await info.context.services.redis.enqueue_job(
                "remove_video_media", *map(str, video_ids), _queue_name=keys.QUEUE
            )
        return DeleteAccountPayload(deleted=video_ids is not None)
