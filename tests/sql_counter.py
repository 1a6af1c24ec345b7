"""Count the SQL statements the app sends, client-side, by wrapping asyncpg's two entry points."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from asyncpg.connection import Connection

POOL_RESET = "SELECT pg_advisory_unlock_all()"


@dataclass
class Counter:
    count: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def counting() -> Iterator[Counter]:
    counter = Counter()
    original_execute, original_query = Connection._execute, Connection.execute

    async def _execute(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        counter.count += 1
        counter.statements.append(query)
        return await original_execute(self, query, *args, **kwargs)

    async def execute(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        # With arguments, execute goes through _execute (counted there); the pool's own reset of a
        # released connection is not the app's statement.
        if not args and not query.startswith(POOL_RESET):
            counter.count += 1
            counter.statements.append(query)
        return await original_query(self, query, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Connection, "_execute", _execute)
        patch.setattr(Connection, "execute", execute)
        yield counter
