"""Per-request DataLoaders of views and revenue: one batched query per kind, whatever the list size.

They live beside the request's `Loaders` (one set per request, dropped with it) rather than in
api/loaders.py, so this feature stays in its own folder.
"""

from __future__ import annotations

from uuid import UUID
from weakref import WeakKeyDictionary

import asyncpg
from strawberry.dataloader import DataLoader

from api.context import Info
from api.loaders import Loaders
from db.queries import revenue, views
from db.queries.revenue import RevenueFacts
from db.queries.views import ViewTotals

_PER_REQUEST: WeakKeyDictionary[Loaders, ViewLoaders] = WeakKeyDictionary()


class ViewLoaders:
    def __init__(self, pool: asyncpg.Pool, ancestor_depth: int) -> None:
        self._pool = pool
        self._depth = ancestor_depth
        self.totals = DataLoader[UUID, ViewTotals](self._load_totals)
        self.revenue_facts = DataLoader[UUID, RevenueFacts | None](self._load_facts)

    async def _load_totals(self, ids: list[UUID]) -> list[ViewTotals]:
        async with self._pool.acquire() as conn:
            found = await views.view_totals(conn, video_ids=ids)
        return [found.get(i, ViewTotals(0, 0)) for i in ids]

    async def _load_facts(self, ids: list[UUID]) -> list[RevenueFacts | None]:
        async with self._pool.acquire() as conn:
            found = await revenue.revenue_facts(conn, video_ids=ids, depth=self._depth)
        return [found.get(i) for i in ids]


def view_loaders(info: Info) -> ViewLoaders:
    """This request's view loaders, created on first use."""
    context = info.context
    loaders = _PER_REQUEST.get(context.loaders)
    if loaders is None:
        loaders = ViewLoaders(context.pool, context.services.settings.remix_ancestor_depth)
        _PER_REQUEST[context.loaders] = loaders
    return loaders
