"""Characters and their aliases; catalog reads for detection; search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from db.queries.holders import Holder, holder_from_row
from db.queries.policies import CURRENT_POLICY_OF_C, PublishedPolicy, published_policy
from db.queries.users import USER_COLUMNS, User


@dataclass(slots=True)  # read-only; not frozen: a frozen __init__ costs 5x (list pages make hundreds)
class Character:
    id: UUID
    holder_id: UUID
    name: str
    description: str | None
    kind: str
    follower_count: int
    created_at: datetime
    aliases: tuple[str, ...]
    descriptors: tuple[str, ...] = ()
    descriptor_threshold: int = 3


# A character's fields, in the order of Character and of the row type listed_character (migration
# 0022); as columns, the last one is named by CHARACTER_COLUMNS.
CHARACTER_FIELDS = """
c.id, c.holder_id, c.name, c.description, c.kind, c.follower_count, c.created_at,
c.descriptors, c.descriptor_threshold,
coalesce((SELECT array_agg(a.alias ORDER BY a.position) FROM character_aliases a
          WHERE a.character_id = c.id), '{}')"""
CHARACTER_COLUMNS = f"{CHARACTER_FIELDS} AS aliases"


def _character(row: asyncpg.Record) -> Character:
    return Character(
        id=row["id"],
        holder_id=row["holder_id"],
        name=row["name"],
        description=row["description"],
        kind=row["kind"],
        follower_count=row["follower_count"],
        created_at=row["created_at"],
        aliases=tuple(row["aliases"]),
        descriptors=tuple(row["descriptors"]),
        descriptor_threshold=row["descriptor_threshold"],
    )


INSERT_CHARACTER = """
INSERT INTO characters (holder_id, name, description, kind) VALUES ($1, $2, $3, $4) RETURNING id
"""


async def insert_character(
    conn: asyncpg.Connection, *, holder_id: UUID, name: str, description: str | None, kind: str
) -> UUID:
    character_id: UUID = await conn.fetchval(INSERT_CHARACTER, holder_id, name, description, kind)
    return character_id


DELETE_ALIASES = "DELETE FROM character_aliases WHERE character_id = $1"
INSERT_ALIASES = """
INSERT INTO character_aliases (character_id, alias, position)
SELECT $1, alias, position FROM unnest($2::text[]) WITH ORDINALITY AS t(alias, position)
"""


async def replace_aliases(conn: asyncpg.Connection, *, character_id: UUID, aliases: Sequence[str]) -> None:
    await conn.execute(DELETE_ALIASES, character_id)
    await conn.execute(INSERT_ALIASES, character_id, list(aliases))


UPDATE_CHARACTER = """
UPDATE characters SET name = coalesce($2, name),
    description = CASE WHEN $3 THEN $4 ELSE description END, updated_at = now()
WHERE id = $1
"""


async def update_character(
    conn: asyncpg.Connection, *, character_id: UUID, name: str | None, description: str | None, set_description: bool
) -> None:
    await conn.execute(UPDATE_CHARACTER, character_id, name, set_description, description)


GET_CHARACTERS = f"SELECT {CHARACTER_COLUMNS} FROM characters c WHERE c.id = ANY($1::uuid[])"


async def get_characters(conn: asyncpg.Connection, *, character_ids: Sequence[UUID]) -> list[Character]:
    return [_character(row) for row in await conn.fetch(GET_CHARACTERS, list(character_ids))]


# The users and the characters (with holders and current policies) that a page of videos shows,
# as one row of arrays, the characters' three aligned: `user_ids` and `character_ids` are SQL that
# give their ids. A page's own statement reads them along (db/queries/feed.py WITH_SHOWN); SHOWN_OF
# reads them by id, for a list whose statement did not.
def shown_sql(user_ids: str, character_ids: str) -> str:
    return f"""
SELECT ARRAY(SELECT ROW({USER_COLUMNS})::listed_user FROM users WHERE id IN ({user_ids})) AS shown_users, s.*
FROM (SELECT array_agg(ROW({CHARACTER_FIELDS})::listed_character) AS shown_characters,
             array_agg(h) AS shown_holders, array_agg({CURRENT_POLICY_OF_C}) AS shown_policies
      FROM characters c JOIN holders h ON h.id = c.holder_id
      WHERE c.id IN ({character_ids})) s
"""


SHOWN_COLUMNS = ("shown_users", "shown_characters", "shown_holders", "shown_policies")
SHOWN_OF = shown_sql("SELECT unnest($2::uuid[])", "SELECT unnest($1::uuid[])")


@dataclass(slots=True)
class Shown:
    """Characters (with holder and current policy) and users read for a page, to prime the loaders."""

    characters: list[tuple[Character, Holder, PublishedPolicy]]
    users: list[User]


def shown_of(row: asyncpg.Record) -> Shown:
    """What shown_sql read, from the row that carries its columns (every character has a current
    policy from its creation)."""
    characters = zip(
        row["shown_characters"] or (), row["shown_holders"] or (), row["shown_policies"] or (), strict=True
    )
    return Shown(
        [(_character(c), holder_from_row(h), published_policy(p)) for c, h, p in characters],
        [User(*user) for user in row["shown_users"] or ()],
    )


async def shown_by_id(conn: asyncpg.Connection, *, character_ids: Sequence[UUID], user_ids: Sequence[UUID]) -> Shown:
    """These characters, with their holders and current policies, and these users: one statement."""
    return shown_of(await conn.fetchrow(SHOWN_OF, list(character_ids), list(user_ids)))


async def get_character(conn: asyncpg.Connection, *, character_id: UUID) -> Character | None:
    found = await get_characters(conn, character_ids=[character_id])
    return found[0] if found else None


LOCK_CHARACTER = "SELECT holder_id FROM characters WHERE id = $1 FOR NO KEY UPDATE"


async def lock_character(conn: asyncpg.Connection, *, character_id: UUID) -> UUID | None:
    """Lock the character row for this transaction (serialises policy versions); its holder id."""
    holder_id: UUID | None = await conn.fetchval(LOCK_CHARACTER, character_id)
    return holder_id


CATALOG = """
SELECT id AS character_id, name AS text FROM characters
UNION ALL
SELECT character_id, alias FROM character_aliases
"""


async def catalog_entries(conn: asyncpg.Connection) -> list[tuple[UUID, str]]:
    """Every (character id, name or alias): what detection matches prompts against."""
    return [(row["character_id"], row["text"]) for row in await conn.fetch(CATALOG)]


CATALOG_DESCRIPTORS = """
SELECT id, descriptors, descriptor_threshold FROM characters
WHERE cardinality(descriptors) > 0 AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
"""
CATALOG_OF = """
SELECT id AS character_id, name AS text FROM characters WHERE id = ANY($1::uuid[])
UNION ALL
SELECT character_id, alias FROM character_aliases WHERE character_id = ANY($1::uuid[])
"""


async def catalog_descriptors(
    conn: asyncpg.Connection, *, character_ids: Sequence[UUID] | None = None
) -> list[tuple[UUID, tuple[str, ...], int]]:
    """(character id, descriptors, threshold) of the characters that have descriptors (of these ones)."""
    ids = list(character_ids) if character_ids is not None else None
    rows = await conn.fetch(CATALOG_DESCRIPTORS, ids)
    return [(row["id"], tuple(row["descriptors"]), row["descriptor_threshold"]) for row in rows]


async def catalog_entries_of(conn: asyncpg.Connection, *, character_ids: Sequence[UUID]) -> list[tuple[UUID, str]]:
    """The names and aliases of these characters (none for one that no longer exists)."""
    return [(row["character_id"], row["text"]) for row in await conn.fetch(CATALOG_OF, list(character_ids))]


SET_DESCRIPTORS = """
UPDATE characters SET descriptors = coalesce($2, descriptors), descriptor_threshold = coalesce($3, descriptor_threshold)
WHERE id = $1
"""


async def set_descriptors(
    conn: asyncpg.Connection, *, character_id: UUID, descriptors: Sequence[str] | None, threshold: int | None
) -> None:
    """Replace the descriptors and/or the threshold (None: keep)."""
    listed = list(descriptors) if descriptors is not None else None
    await conn.execute(SET_DESCRIPTORS, character_id, listed, threshold)


CAMEOS_BY_HANDLE = """
SELECT u.handle, c.id FROM users u
JOIN holders h ON h.person_user_id = u.id
JOIN characters c ON c.holder_id = h.id AND c.kind = 'CAMEO'
WHERE u.handle = ANY($1::text[])
"""


async def cameos_by_handle(conn: asyncpg.Connection, *, handles: Sequence[str]) -> dict[str, UUID]:
    return {row["handle"]: row["id"] for row in await conn.fetch(CAMEOS_BY_HANDLE, list(handles))}


CAMEO_OF_USERS = """
SELECT h.person_user_id, c.id FROM holders h JOIN characters c ON c.holder_id = h.id AND c.kind = 'CAMEO'
WHERE h.person_user_id = ANY($1::uuid[])
"""


async def cameo_of_users(conn: asyncpg.Connection, *, user_ids: Sequence[UUID]) -> dict[UUID, UUID]:
    return {row["person_user_id"]: row["id"] for row in await conn.fetch(CAMEO_OF_USERS, list(user_ids))}


# Ranked by follower count, then name; the keyset is (follower_count DESC, name, id).
SEARCH = f"""
SELECT {CHARACTER_COLUMNS} FROM characters c
WHERE ($1::text IS NULL OR c.id IN (
        SELECT id FROM characters WHERE lower(name) LIKE $2 || '%' OR lower(name) % $1
        UNION
        SELECT character_id FROM character_aliases WHERE lower(alias) LIKE $2 || '%' OR lower(alias) % $1))
  AND ($3::integer IS NULL OR (-c.follower_count, c.name, c.id) > (-$3::integer, $4::text, $5::uuid))
ORDER BY c.follower_count DESC, c.name, c.id
LIMIT $6
"""


async def search_characters(
    conn: asyncpg.Connection, *, search: str | None, after: tuple[int, str, UUID] | None, limit: int
) -> list[Character]:
    text = search.strip().lower() if search and search.strip() else None
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") if text else None
    follower_count, name, last_id = after if after else (None, None, None)
    rows = await conn.fetch(SEARCH, text, pattern, follower_count, name, last_id, limit)
    return [_character(row) for row in rows]


OF_HOLDER = f"""
SELECT {CHARACTER_COLUMNS} FROM characters c
WHERE c.holder_id = $1 AND ($2::text IS NULL OR (c.name, c.id) > ($2::text, $3::uuid))
ORDER BY c.name, c.id LIMIT $4
"""


async def characters_of_holder(
    conn: asyncpg.Connection, *, holder_id: UUID, after: tuple[str, UUID] | None, limit: int
) -> list[Character]:
    name, last_id = after if after else (None, None)
    return [_character(row) for row in await conn.fetch(OF_HOLDER, holder_id, name, last_id, limit)]


FOLLOWED_AMONG = "SELECT character_id FROM character_follows WHERE user_id = $1 AND character_id = ANY($2::uuid[])"


async def followed_among(conn: asyncpg.Connection, *, user_id: UUID, character_ids: Sequence[UUID]) -> set[UUID]:
    return {row["character_id"] for row in await conn.fetch(FOLLOWED_AMONG, user_id, list(character_ids))}
