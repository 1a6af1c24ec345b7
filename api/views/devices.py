"""registerDevice: the server-issued identity of a signed-out viewer (RULES §11)."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg
import strawberry

from api.context import Context, Info
from api.errors import UserError
from db.queries import views
from domain.devices import device_of, issue_token

DEVICE_HEADER = "X-Device-Id"


@strawberry.type
class DevicePayload:
    device_token: str | None = strawberry.field(
        default=None, description="Send as X-Device-Id on signed-out requests; issued and signed by the server."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def device_of_request(context: Context) -> UUID | None:
    """The registered device named by the request's X-Device-Id; None when absent, forged or malformed."""
    request = context.request
    token = request.headers.get(DEVICE_HEADER) if request is not None else None
    return device_of(context.services.settings.device_token_secret, token) if token else None


async def link_signed_in_device(conn: asyncpg.Connection, context: Context, user_id: UUID) -> None:
    """A signed-in request that names a device ties the device to the user (its views of their own
    videos never qualify again)."""
    device_id = device_of_request(context)
    if device_id is not None:
        await views.link_device(conn, device_id=device_id, user_id=user_id)


@strawberry.type
class DeviceMutations:
    @strawberry.mutation(description="Signed-out clients get a device token once and send it as X-Device-Id.")
    async def register_device(self, info: Info) -> DevicePayload:
        context = info.context
        user_id = context.viewer_id
        request = context.request
        ip = request.client.host if request is not None and request.client is not None else None
        device_id = uuid.uuid4()
        async with context.pool.acquire() as conn, conn.transaction():
            await views.insert_device(conn, device_id=device_id, ip=ip)
            if user_id is not None:
                await views.link_device(conn, device_id=device_id, user_id=user_id)
        return DevicePayload(device_token=issue_token(context.services.settings.device_token_secret, device_id))
