"""recordViews: store view events once each, per event refusals, qualified views counted (RULES §5).

The mutation is the API's hottest path (hundreds of events per call, thousands of calls a second),
so `serve_natively` lets graphql-core call it with the input it has already coerced and checked
against the schema, skipping strawberry's generic per-object conversion of every event; the
strawberry resolver below does the same work for a schema built without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import strawberry
from graphql import GraphQLResolveInfo

from api.context import Context, Info
from api.errors import from_field_error, invalid, user_errors
from api.ids import decode_id
from api.views.devices import DEVICE_HEADER, device_of_request, link_signed_in_device
from api.views.types import RecordViewsPayload, ViewInput
from db.viewing import record_views as store_views
from db.viewing import view_config
from domain.errors import DomainError, ErrorCode, FieldError
from domain.views import MAX_EVENTS_PER_CALL, Viewer, ViewEvent


class _UnknownDevice(Exception):
    """X-Device-Id is not a token this server issued: every event is refused (RULES §11)."""


def viewer_of(context: Context) -> Viewer:
    """The signed-in user, else the registered device of X-Device-Id; INVALID when signed out without one."""
    user_id = context.viewer_id
    if user_id is not None:
        return Viewer.user(user_id)
    request = context.request
    token = request.headers.get(DEVICE_HEADER) if request is not None else None
    if not token:
        raise DomainError(invalid(f"Sign in, or send header {DEVICE_HEADER} (from registerDevice) to record views."))
    device_id = device_of_request(context)
    if device_id is None:
        raise _UnknownDevice()
    return Viewer.registered(device_id)


def _refused_per_event(count: int) -> RecordViewsPayload:
    message = f"{DEVICE_HEADER} is not a device token this server issued: call registerDevice."
    errors = [FieldError(ErrorCode.INVALID, message, ("input", str(index))) for index in range(count)]
    return RecordViewsPayload(user_errors=[from_field_error(error) for error in errors])


@lru_cache(maxsize=65_536)
def video_uuid(global_id: str) -> UUID | None:
    """Decoded once per process for the videos viewed most (the same IDs arrive all day)."""
    return decode_id(global_id, "Video")


async def record(context: Context, events: Sequence[ViewEvent]) -> RecordViewsPayload:
    try:
        viewer = viewer_of(context)
        if len(events) > MAX_EVENTS_PER_CALL:
            raise DomainError(invalid(f"At most {MAX_EVENTS_PER_CALL} events per call.", "input"))
        config = view_config(context.services.settings)
        request = context.request
        ip = request.client.host if request is not None and request.client is not None else None
        async with context.pool.acquire() as conn:
            if viewer.user_id is not None:
                await link_signed_in_device(conn, context, viewer.user_id)
            result = await store_views(conn, viewer=viewer, events=events, now=datetime.now(UTC), config=config, ip=ip)
    except _UnknownDevice:
        return _refused_per_event(len(events))
    except DomainError as error:
        return RecordViewsPayload(user_errors=user_errors(error))
    return RecordViewsPayload(
        accepted=len(result.stored),
        duplicates=result.duplicates,
        qualified=result.qualified,
        user_errors=[from_field_error(error) for error in result.errors],
    )


async def record_views(info: Info, input: list[ViewInput]) -> RecordViewsPayload:
    events = [ViewEvent(video_uuid(i.video_id), i.watched_ms, i.client_event_id, i.occurred_at) for i in input]
    return await record(info.context, events)


async def _record_coerced(
    _root: object, info: GraphQLResolveInfo[Context], input: Sequence[Mapping[str, Any]]
) -> RecordViewsPayload:
    # `input` is graphql-core's coerced value: GraphQL field names, every scalar parsed (DateTime too).
    events = [
        ViewEvent(video_uuid(i["videoId"]), i["watchedMs"], i["clientEventId"], i.get("occurredAt")) for i in input
    ]
    context: Context = info.context
    return await record(context, events)


def serve_natively(schema: strawberry.Schema) -> None:
    """Resolve Mutation.recordViews straight from graphql-core's coerced arguments (see the module doc)."""
    mutation = schema._schema.mutation_type
    assert mutation is not None
    mutation.fields["recordViews"].resolve = _record_coerced


@strawberry.type
class ViewMutations:
    # The resolver= form keeps the description without strawberry's untyped decorator factory.
    record_views = strawberry.mutation(
        resolver=record_views,
        description="Records view events, signed in or not (anonymous viewers send header X-Device-Id, a token "
        "from registerDevice). At most 500 events per call.",
    )
