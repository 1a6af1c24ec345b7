"""Per-request DataLoaders: one batched query per kind of object, whatever the list size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar
from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader

from db.queries import activity, characters, holders, policies, social, users, videos

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Loaders:
    """Created per request, for one viewer (DataLoader caches must not outlive the request)."""

    def __init__(self, pool: asyncpg.Pool, viewer_id: UUID | None) -> None:
        self._pool = pool
        self._viewer_id = viewer_id
        self._memberships: frozenset[UUID] | None = None
        self._ancestry_loaded: set[UUID] = set()
        self.user = self._by_id(lambda conn, ids: users.get_users(conn, user_ids=ids), lambda u: u.id)
        self.holder = self._by_id(lambda conn, ids: holders.get_holders(conn, holder_ids=ids), lambda h: h.id)
        self.character = self._by_id(
            lambda conn, ids: characters.get_characters(conn, character_ids=ids), lambda c: c.id
        )
        self.video = self._by_id(lambda conn, ids: videos.get_videos(conn, video_ids=ids), lambda v: v.id)
        self.activity = self._by_id(lambda conn, ids: activity.get_activities(conn, activity_ids=ids), lambda a: a.id)
        self.licenses = DataLoader[UUID, list[videos.License]](self._load_licenses)
        self.current_policy = DataLoader[UUID, policies.PublishedPolicy | None](self._load_current_policies)
        self.cameo_of_user = DataLoader[UUID, UUID | None](self._load_cameos)
        self.viewer_follows_user = self._viewer_set(
            lambda conn, viewer, ids: users.followed_among(conn, follower_id=viewer, user_ids=ids)
        )
        self.viewer_follows_character = self._viewer_set(
            lambda conn, viewer, ids: characters.followed_among(conn, user_id=viewer, character_ids=ids)
        )
        self.viewer_likes = self._viewer_set(
            lambda conn, viewer, ids: social.liked_among(conn, user_id=viewer, video_ids=ids)
        )

    async def prime_ancestors(self, video_id: UUID) -> None:
        """Load a video's whole remix ancestry in one query, so remixOf { remixOf { ... } } costs one trip."""
        if video_id in self._ancestry_loaded:
            return
        async with self._pool.acquire() as conn:
            chain = await videos.ancestors(conn, video_id=video_id)
        self._ancestry_loaded.update([video_id, *(v.id for v in chain)])
        for ancestor in chain:
            self.video.prime(ancestor.id, ancestor)

    async def viewer_holder_ids(self) -> frozenset[UUID]:
        """The holders the viewer is a member of (empty when signed out), read once per request."""
        if self._memberships is None:
            if self._viewer_id is None:
                self._memberships = frozenset()
            else:
                async with self._pool.acquire() as conn:
                    self._memberships = await holders.member_holder_ids(conn, user_id=self._viewer_id)
        return self._memberships

    def _by_id(
        self,
        fetch: Callable[[asyncpg.Connection, list[K]], Awaitable[Sequence[V]]],
        key: Callable[[V], K],
    ) -> DataLoader[K, V | None]:
        async def load(ids: list[K]) -> list[V | None]:
            async with self._pool.acquire() as conn:
                found = {key(row): row for row in await fetch(conn, ids)}
            return [found.get(i) for i in ids]

        return DataLoader(load)

    def _viewer_set(
        self, fetch: Callable[[asyncpg.Connection, UUID, list[UUID]], Awaitable[set[UUID]]]
    ) -> DataLoader[UUID, bool]:
        async def load(ids: list[UUID]) -> list[bool]:
            if self._viewer_id is None:
                return [False] * len(ids)
            async with self._pool.acquire() as conn:
                found = await fetch(conn, self._viewer_id, ids)
            return [i in found for i in ids]

        return DataLoader(load)

    async def _load_licenses(self, ids: list[UUID]) -> list[list[videos.License]]:
        async with self._pool.acquire() as conn:
            rows = await videos.licenses_of(conn, video_ids=ids)
        by_video: dict[UUID, list[videos.License]] = {i: [] for i in ids}
        for row in rows:
            by_video[row.video_id].append(row)
        return [by_video[i] for i in ids]

    async def _load_current_policies(self, ids: list[UUID]) -> list[policies.PublishedPolicy | None]:
        async with self._pool.acquire() as conn:
            found = await policies.current_policies(conn, character_ids=ids)
        return [found.get(i) for i in ids]

    async def _load_cameos(self, ids: list[UUID]) -> list[UUID | None]:
        async with self._pool.acquire() as conn:
            found = await characters.cameo_of_users(conn, user_ids=ids)
        return [found.get(i) for i in ids]
