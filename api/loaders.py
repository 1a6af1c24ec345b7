"""Per-request DataLoaders: one batched query per kind of object, whatever the list size."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader

from db.queries import users


class Loaders:
    """Created per request, for one viewer (DataLoader caches must not outlive the request)."""

    def __init__(self, pool: asyncpg.Pool, viewer_id: UUID | None) -> None:
        self._pool = pool
        self._viewer_id = viewer_id
        self.user = DataLoader[UUID, users.User | None](self._load_users)
        self.viewer_follows_user = DataLoader[UUID, bool](self._load_viewer_follows_user)

    async def _load_users(self, ids: list[UUID]) -> list[users.User | None]:
        async with self._pool.acquire() as conn:
            found = {user.id: user for user in await users.get_users(conn, user_ids=ids)}
        return [found.get(user_id) for user_id in ids]

    async def _load_viewer_follows_user(self, ids: list[UUID]) -> list[bool]:
        if self._viewer_id is None:
            return [False] * len(ids)
        async with self._pool.acquire() as conn:
            followed = await users.followed_among(conn, follower_id=self._viewer_id, user_ids=ids)
        return [user_id in followed for user_id in ids]
