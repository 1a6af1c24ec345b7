"""The Relay `Node` interface and `node`/`nodes`: null for unknown, malformed or wrong-type IDs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import strawberry

from api.context import Info
from api.ids import from_global_id, to_global_id


@strawberry.interface
class Node:
    id: strawberry.ID


def lazy_id(type_name: str, raw_id: Callable[[Any], UUID]) -> Any:
    """`Node.id` encoded when asked for, from the object's uuid: for the types that list pages show
    by the hundred (a feed page builds about 60 creators, characters and holders, and shows few ids)."""

    def id(self: Any) -> strawberry.ID:  # the field's name
        return strawberry.ID(to_global_id(type_name, raw_id(self)))

    return strawberry.field(resolver=id)


# Type name → coroutine returning the node the viewer may see, or None.
NodeResolver = Callable[[Info, UUID], Awaitable[Node | None]]
_RESOLVERS: dict[str, NodeResolver] = {}


def register_node(type_name: str, resolver: NodeResolver) -> None:
    _RESOLVERS[type_name] = resolver


async def resolve_node(info: Info, global_id: str) -> Node | None:
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] not in _RESOLVERS:
        return None
    type_name, raw_id = decoded
    return await _RESOLVERS[type_name](info, raw_id)


@strawberry.type
class NodeQueries:
    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        # DataLoaders batch these: gather lets one query serve every ID of a type.
        return list(await asyncio.gather(*(resolve_node(info, global_id) for global_id in ids)))
