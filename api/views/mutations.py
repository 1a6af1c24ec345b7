"""recordViews: store view events once each, per event refusals, qualified views counted (RULES §5)."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from api.context import Info
from api.errors import from_field_error, invalid, user_errors
from api.ids import decode_id
from api.views.types import RecordViewsPayload, ViewInput
from db.viewing import record_views as store_views
from db.viewing import view_config
from domain.errors import DomainError
from domain.views import DEVICE_ID, MAX_EVENTS_PER_CALL, ViewEvent, Viewer

DEVICE_HEADER = "X-Device-Id"


def viewer_of(info: Info) -> Viewer:
    """The signed-in user, else the device named by X-Device-Id; INVALID when signed out without one."""
    user_id = info.context.viewer_id
    if user_id is not None:
        return Viewer.user(user_id)
    request = info.context.request
    device_id = request.headers.get(DEVICE_HEADER) if request is not None else None
    if not device_id:
        raise DomainError(invalid(f"Sign in, or send header {DEVICE_HEADER} to record views anonymously."))
    if not DEVICE_ID.fullmatch(device_id):
        raise DomainError(invalid(f"{DEVICE_HEADER} must be 8-128 letters, digits or . _ : -"))
    return Viewer.device(device_id)


def event_of(item: ViewInput) -> ViewEvent:
    return ViewEvent(
        video_id=decode_id(item.video_id, "Video"),
        watched_ms=item.watched_ms,
        client_event_id=item.client_event_id,
        occurred_at=item.occurred_at,
    )


async def record_views(info: Info, input: list[ViewInput]) -> RecordViewsPayload:
    try:
        viewer = viewer_of(info)
        if len(input) > MAX_EVENTS_PER_CALL:
            raise DomainError(invalid(f"At most {MAX_EVENTS_PER_CALL} events per call.", "input"))
        events = [event_of(item) for item in input]
        config = view_config(info.context.services.settings)
        async with info.context.pool.acquire() as conn:
            result = await store_views(conn, viewer=viewer, events=events, now=datetime.now(UTC), config=config)
    except DomainError as error:
        return RecordViewsPayload(user_errors=user_errors(error))
    return RecordViewsPayload(
        accepted=len(result.stored),
        duplicates=result.duplicates,
        qualified=result.qualified,
        user_errors=[from_field_error(error) for error in result.errors],
    )


@strawberry.type
class ViewMutations:
    # The resolver= form keeps the description without strawberry's untyped decorator factory.
    record_views = strawberry.mutation(
        resolver=record_views,
        description="Records view events, signed in or not (anonymous viewers send header X-Device-Id). At most "
        "500 events per call.",
    )
