"""No name squatting (RULES §11): a name or alias whose normalised form already belongs to a
verified holder's character is refused with TAKEN, naming that character.

Candidates come from the detection automaton (one lookup per name, whatever the size of the
catalog): every character that detection would find in the name itself. Only those few are then
compared exactly, in the normalisation of §2 with word breaks ignored ("Darth Vader" and
"DarthVader" are one name, as detection reads them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from db.catalog import Catalog
from domain.detection import normalize
from domain.errors import DomainError, ErrorCode, FieldError
from domain.vocabulary import is_everyday_word


@dataclass(frozen=True)
class Taken:
    asked: str  # the name or alias asked for
    character_id: UUID
    character_name: str
    holder_name: str

    def error(self, field: tuple[str, ...]) -> FieldError:
        message = f'"{self.asked}" is already a name of {self.character_name} ({self.holder_name}).'
        return FieldError(ErrorCode.TAKEN, message, field)


def name_key(text: str) -> str:
    return normalize(text).replace(" ", "")


def is_everyday_name(text: str) -> bool:
    """The name is one everyday word ("Sunset"; "Mia Makes" is not): a cameo keeps it out of its aliases."""
    words = normalize(text).split()
    return len(words) == 1 and is_everyday_word(words[0])


# Candidates with every name, outside the asking holder; `$3`: only those of verified holders.
CANDIDATES = """
SELECT c.id, c.name, h.name AS holder_name,
       array(SELECT a.alias FROM character_aliases a WHERE a.character_id = c.id) AS aliases
FROM characters c JOIN holders h ON h.id = c.holder_id
WHERE c.id = ANY($1::uuid[]) AND c.holder_id IS DISTINCT FROM $2 AND (NOT $3 OR h.verification = 'VERIFIED')
"""


async def taken_names(
    conn: asyncpg.Connection,
    catalog: Catalog,
    *,
    names: Iterable[str],
    holder_id: UUID | None,
    verified_only: bool = True,
) -> list[Taken]:
    """The names among `names` that another holder's character (a verified holder's, unless told
    otherwise) already has, each with one such character."""
    asked = {name: name_key(name) for name in names if name_key(name)}
    if not asked:
        return []
    detector = await catalog.detector(conn)
    candidate_ids = set().union(*(detector.find(name) for name in asked))
    if not candidate_ids:
        return []
    rows = await conn.fetch(CANDIDATES, list(candidate_ids), holder_id, verified_only)
    owners: dict[str, asyncpg.Record] = {}
    for row in sorted(rows, key=lambda r: (r["name"], r["id"])):
        for text in (row["name"], *row["aliases"]):
            owners.setdefault(name_key(text), row)
    return [
        Taken(name, owner["id"], owner["name"], owner["holder_name"])
        for name, key in asked.items()
        if (owner := owners.get(key)) is not None
    ]


async def refuse_taken(
    conn: asyncpg.Connection,
    catalog: Catalog,
    *,
    holder_id: UUID | None,
    name: str | None,
    aliases: Sequence[str],
) -> None:
    """DomainError TAKEN (field input.name or input.aliases) for each name a verified holder has."""
    errors = []
    for taken in await taken_names(conn, catalog, names=[*([name] if name else []), *aliases], holder_id=holder_id):
        is_name = name is not None and taken.asked == name
        errors.append(taken.error(("input", "name" if is_name else "aliases")))
    if errors:
        raise DomainError(errors)
