"""activity and characterActivity: live activity, fed by Redis pub/sub from any process.

Channels carry an event's id and kind only. Each subscriber loads its own row of the event, so
the delivery rules applied by `db.queries.activity.record` decide who sees what: an event that
did not reach the subscriber has no row for them and is skipped. On a character's channel a
follower who is no member also skips (without a query) every kind but the follower kinds.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from functools import partial
from uuid import UUID

import strawberry

from api.activity.types import Activity
from api.context import Info
from api.errors import Forbidden
from api.ids import decode_id
from api.loaders import Loaders
from db.queries import activity
from domain.activity import ActivityKind, shown_on_character_channel
from workers import keys


@strawberry.type
class ActivitySubscriptions:
    @strawberry.subscription(description="The viewer's own activity inbox, live.")
    async def activity(self, info: Info) -> AsyncGenerator[Activity, None]:
        viewer_id = info.context.require_viewer()
        async with aclosing(_delivered(info, viewer_id, keys.activity_inbox_channel(viewer_id))) as rows:
            async for row in rows:
                yield Activity.from_row(row)

    @strawberry.subscription(
        description="Activity on a character: members of its holder get every event, followers only "
        "VIDEO_PUBLISHED and POLICY_PUBLISHED."
    )
    async def character_activity(self, info: Info, character_id: strawberry.ID) -> AsyncGenerator[Activity, None]:
        viewer_id = info.context.require_viewer()
        raw_id = decode_id(character_id, "Character")
        member = follower = False
        if raw_id is not None:
            async with info.context.pool.acquire() as conn:
                member, follower = await activity.character_relation(conn, character_id=raw_id, user_id=viewer_id)
        if raw_id is None or not (member or follower):
            raise Forbidden("Only members of the character's holder and its followers follow its activity.")
        channel = keys.character_activity_channel(raw_id)
        shown = partial(shown_on_character_channel, member=member)
        async with aclosing(_delivered(info, viewer_id, channel, shown)) as rows:
            async for row in rows:
                yield Activity.from_row(row)


async def _delivered(
    info: Info, viewer_id: UUID, channel: str, shown: Callable[[ActivityKind], bool] = lambda kind: True
) -> AsyncGenerator[activity.Activity, None]:
    """The viewer's rows of the events announced on `channel` whose kind is `shown`, as they come."""
    # Leaving the block closes the pub/sub connection, which ends the subscription on the server.
    async with info.context.services.redis.pubsub() as pubsub:
        await pubsub.subscribe(channel)
        async for message in pubsub.listen():
            announced = activity.parse_announcement(message["data"]) if message["type"] == "message" else None
            if announced is None or not shown(announced[1]):
                continue
            async with info.context.pool.acquire() as conn:
                row = await activity.activity_of_event(conn, event_id=announced[0], recipient_id=viewer_id)
            if row is not None:
                await info.context.require_live_viewer()  # revoked or suspended since: UNAUTHENTICATED, the end
                _forget_loaded(info, viewer_id)
                yield row


def _forget_loaded(info: Info, viewer_id: UUID) -> None:
    # A connection's context (and its DataLoaders' caches) lives as long as the WebSocket: each
    # event is resolved with fresh loaders, so a video's status or visibility is never stale.
    info.context.loaders = Loaders(info.context.pool, viewer_id)
