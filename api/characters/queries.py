"""Character search."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.characters.types import Character
from api.context import Info
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from db.queries import characters


@strawberry.type
class CharacterQueries:
    @strawberry.field(
        description="Characters whose name or alias matches the search text (all when empty), by follower count."
    )
    async def characters(
        self, info: Info, search: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Character]:
        size = page_size(first)
        keyset = decode_cursor(after, int, str, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await characters.search_characters(
                conn,
                search=search,
                after=keyset,
                limit=size + 1,
            )
        for row in rows:
            info.context.loaders.character.prime(row.id, row)
        return connection(
            rows, size, Character.from_row, lambda r: encode_cursor(r.follower_count, r.name, r.id), after=after
        )
