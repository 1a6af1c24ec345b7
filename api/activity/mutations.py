"""markActivityRead: the viewer marks activity of their own inbox read."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.context import Info
from api.errors import UserError, from_field_error, invalid
from api.ids import decode_id
from db.queries import activity

MAX_IDS = 100


@strawberry.type(name="ActivityPayload")
class ActivityPayload:
    updated: int = 0
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def decode_ids(ids: list[strawberry.ID]) -> tuple[list[UUID], list[UserError]]:
    """The raw ids, or INVALID errors naming each malformed one (and nothing else is done then)."""
    if len(ids) > MAX_IDS:
        return [], [from_field_error(invalid(f"At most {MAX_IDS} ids at once.", "ids"))]
    decoded = [decode_id(global_id, "Activity") for global_id in ids]
    errors = [
        from_field_error(invalid("Not an Activity id.", "ids", str(index)))
        for index, raw in enumerate(decoded)
        if raw is None
    ]
    return [raw for raw in decoded if raw is not None], errors


@strawberry.type
class ActivityMutations:
    @strawberry.mutation(description="Marks the viewer's own activity read; other ids are not counted.")
    async def mark_activity_read(self, info: Info, ids: list[strawberry.ID]) -> ActivityPayload:
        viewer_id = info.context.require_viewer()
        raw_ids, errors = decode_ids(ids)
        if errors:
            return ActivityPayload(user_errors=errors)
        async with info.context.pool.acquire() as conn:
            updated = await activity.mark_read(conn, recipient_id=viewer_id, activity_ids=raw_ids)
        return ActivityPayload(updated=updated)
