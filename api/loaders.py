"""Per-request DataLoaders: one batched query per kind of object, whatever the list size."""

from __future__ import annotations

from asyncio import Future
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any, TypeGuard, TypeVar
from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader

from db.queries import activity, characters, claims, holders, operators, policies, safety, social, users, videos

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")
R = TypeVar("R")


class Loaders:
    """Created per request, for one viewer (DataLoader caches must not outlive the request).

    The batch functions hold the pool, not the Loaders: no reference cycle keeps a request's
    loaded rows alive until the garbage collector runs. Each loader is made when first used: most
    requests use two or three of them.
    """

    def __init__(self, pool: asyncpg.Pool, viewer_id: UUID | None) -> None:
        self._pool = pool
        self._viewer_id = viewer_id
        self._memberships: frozenset[UUID] | None = None
        self._blocks: frozenset[UUID] | None = None
        self._operator: bool | None = None
        self._ancestry_loaded: set[UUID] = set()

    @cached_property
    def user(self) -> DataLoader[UUID, users.User | None]:
        return _by_id(self._pool, lambda conn, ids: users.get_users(conn, user_ids=ids), lambda u: u.id)

    @cached_property
    def holder(self) -> DataLoader[UUID, holders.Holder | None]:
        return _by_id(self._pool, lambda conn, ids: holders.get_holders(conn, holder_ids=ids), lambda h: h.id)

    @cached_property
    def character(self) -> DataLoader[UUID, characters.Character | None]:
        return _by_id(self._pool, lambda conn, ids: characters.get_characters(conn, character_ids=ids), lambda c: c.id)

    @cached_property
    def video(self) -> DataLoader[UUID, videos.Video | None]:
        return _by_id(self._pool, lambda conn, ids: videos.get_videos(conn, video_ids=ids), lambda v: v.id)

    @cached_property
    def activity(self) -> DataLoader[UUID, activity.Activity | None]:
        return _by_id(self._pool, lambda conn, ids: activity.get_activities(conn, activity_ids=ids), lambda a: a.id)

    @cached_property
    def licenses(self) -> DataLoader[UUID, list[videos.License]]:
        return _grouped(self._pool, lambda conn, ids: videos.licenses_of(conn, video_ids=ids), lambda lic: lic.video_id)

    @cached_property
    def claim(self) -> DataLoader[UUID, claims.Claim | None]:
        return _by_id(self._pool, lambda conn, ids: claims.get_claims(conn, claim_ids=ids), lambda c: c.id)

    @cached_property
    def claims_of_video(self) -> DataLoader[UUID, list[claims.Claim] | None]:
        return _mapped(self._pool, lambda conn, ids: claims.claims_of_videos(conn, video_ids=ids))

    @cached_property
    def current_policy(self) -> DataLoader[UUID, policies.PublishedPolicy | None]:
        return _mapped(self._pool, lambda conn, ids: policies.current_policies(conn, character_ids=ids))

    @cached_property
    def cameo_of_user(self) -> DataLoader[UUID, UUID | None]:
        return _mapped(self._pool, lambda conn, ids: characters.cameo_of_users(conn, user_ids=ids))

    @cached_property
    def viewer_follows_user(self) -> DataLoader[UUID, bool]:
        return _viewer_set(
            self._pool,
            self._viewer_id,
            lambda conn, viewer, ids: users.followed_among(conn, follower_id=viewer, user_ids=ids),
        )

    @cached_property
    def viewer_follows_character(self) -> DataLoader[UUID, bool]:
        return _viewer_set(
            self._pool,
            self._viewer_id,
            lambda conn, viewer, ids: characters.followed_among(conn, user_id=viewer, character_ids=ids),
        )

    @cached_property
    def suspended(self) -> DataLoader[UUID, bool]:
        return _in_set(self._pool, lambda conn, ids: safety.suspended_among(conn, user_ids=ids))

    @cached_property
    def viewer_likes(self) -> DataLoader[UUID, bool]:
        return _viewer_set(
            self._pool,
            self._viewer_id,
            lambda conn, viewer, ids: social.liked_among(conn, user_id=viewer, video_ids=ids),
        )

    def clear(self) -> None:
        """Forget everything loaded (once the operation is done: graphql-core's executor keeps the
        context in a reference cycle, and the rows would otherwise wait for the garbage collector)."""
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.clear_all()

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

    async def viewer_blocks(self) -> frozenset[UUID]:
        """The users in a block with the viewer, either way (empty when signed out), read once per request."""
        if self._blocks is None:
            if self._viewer_id is None:
                self._blocks = frozenset()
            else:
                async with self._pool.acquire() as conn:
                    self._blocks = await safety.blocks_of(conn, user_id=self._viewer_id)
        return self._blocks

    async def hidden(self, user_id: UUID) -> bool:
        """Whether the user is hidden from the viewer: in a block with the viewer, or suspended (but
        to operators, who must find a suspended user to lift the suspension)."""
        if user_id in await self.viewer_blocks():
            return True
        return await self.suspended.load(user_id) and not await self.viewer_is_operator()

    async def viewer_is_operator(self) -> bool:
        """Whether the viewer holds the operator role, read once per request (when first asked)."""
        if self._operator is None:
            if self._viewer_id is None:
                self._operator = False
            else:
                async with self._pool.acquire() as conn:
                    self._operator = await operators.is_operator(conn, user_id=self._viewer_id)
        return self._operator

    def forget_blocks(self) -> None:
        """After the viewer's blocks changed in this request."""
        self._blocks = None

    def prime_shown(self, shown: characters.Shown) -> None:
        """Characters with their holders and current policies, and users (four loaders primed)."""
        for character, holder, policy in shown.characters:
            self.character.prime(character.id, character)
            self.holder.prime(holder.id, holder)
            self.current_policy.prime(character.id, policy)
        self.user.prime_many({user.id: user for user in shown.users})


class Loader(DataLoader[K, V]):
    """A DataLoader that keeps primed values as they are, and remembers, for its request, what
    each value was converted to (`loaded`): a video list primes hundreds of values and shows the
    same creators, characters, holders and policies again and again. A primed value gets a future
    only if something `load`s it; `loaded` reads it without one.
    """

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[Sequence[V]]]) -> None:
        super().__init__(load_fn)
        self.primed: dict[K, V] = {}
        # converter -> key of a primed value -> the converted value
        self.converted_primed: dict[Callable[[Any], Any], dict[K, Any]] = {}
        # (id of a loaded value's future, converter) -> (that future, the converted value)
        self.converted: dict[tuple[Any, Callable[[Any], Any]], tuple[Future[V], Any]] = {}

    def prime(self, key: K, value: V, force: bool = False) -> None:
        if force:
            self.clear(key)
        if key not in self.primed and self.cache_map.get(key) is None:
            self.primed[key] = value

    def prime_many(self, data: Mapping[K, V], force: bool = False) -> None:
        for key, value in data.items():
            self.prime(key, value, force)

    def load(self, key: K) -> Awaitable[V]:
        if key in self.primed:
            future: Future[V] = self.loop.create_future()
            future.set_result(self.primed[key])
            return future
        return super().load(key)

    def clear(self, key: K) -> None:
        super().clear(key)
        if key in self.primed:
            del self.primed[key]
            for by_key in self.converted_primed.values():
                by_key.pop(key, None)

    def clear_all(self) -> None:
        super().clear_all()
        self.primed.clear()
        self.converted_primed.clear()
        self.converted.clear()


def _by_id(
    pool: asyncpg.Pool,
    fetch: Callable[[asyncpg.Connection, list[K]], Awaitable[Sequence[V]]],
    key: Callable[[V], K],
) -> DataLoader[K, V | None]:
    async def load(ids: list[K]) -> list[V | None]:
        async with pool.acquire() as conn:
            found = {key(row): row for row in await fetch(conn, ids)}
        return [found.get(i) for i in ids]

    return Loader(load)


def _grouped(
    pool: asyncpg.Pool,
    fetch: Callable[[asyncpg.Connection, list[K]], Awaitable[Sequence[V]]],
    key: Callable[[V], K],
) -> DataLoader[K, list[V]]:
    async def load(ids: list[K]) -> list[list[V]]:
        async with pool.acquire() as conn:
            rows = await fetch(conn, ids)
        by_key: dict[K, list[V]] = {i: [] for i in ids}
        for row in rows:
            by_key[key(row)].append(row)
        return [by_key[i] for i in ids]

    return Loader(load)


def _mapped(
    pool: asyncpg.Pool, fetch: Callable[[asyncpg.Connection, list[K]], Awaitable[Mapping[K, V]]]
) -> DataLoader[K, V | None]:
    async def load(ids: list[K]) -> list[V | None]:
        async with pool.acquire() as conn:
            found = await fetch(conn, ids)
        return [found.get(i) for i in ids]

    return Loader(load)


def _viewer_set(
    pool: asyncpg.Pool,
    viewer_id: UUID | None,
    fetch: Callable[[asyncpg.Connection, UUID, list[UUID]], Awaitable[set[UUID]]],
) -> DataLoader[UUID, bool]:
    async def load(ids: list[UUID]) -> list[bool]:
        if viewer_id is None:
            return [False] * len(ids)
        async with pool.acquire() as conn:
            found = await fetch(conn, viewer_id, ids)
        return [i in found for i in ids]

    return Loader(load)


def _in_set(
    pool: asyncpg.Pool, fetch: Callable[[asyncpg.Connection, list[UUID]], Awaitable[set[UUID]]]
) -> DataLoader[UUID, bool]:
    async def load(ids: list[UUID]) -> list[bool]:
        async with pool.acquire() as conn:
            found = await fetch(conn, ids)
        return [i in found for i in ids]

    return DataLoader(load)


def not_primed(loader: DataLoader[K, V], keys: Iterable[K]) -> list[K]:
    """`keys`, once each and in order, that `loader` holds no primed value for."""
    primed = getattr(loader, "primed", {})
    return [key for key in dict.fromkeys(keys) if key not in primed]


def loaded(loader: DataLoader[K, V], key: K, convert: Callable[[V], R]) -> R | Awaitable[R]:
    """`convert` of the value when this request has loaded (or primed) it already, else an awaitable of it.

    A resolver returning this is a plain function: for data loaded up front graphql-core gets a
    value, and makes no coroutine, future or task for it.
    """
    primed = getattr(loader, "primed", None)
    if primed is not None and key in primed:
        return _convert_primed(loader, key, convert)  # type: ignore[arg-type]
    future = loader.cache_map.get(key)
    if _ready(future):
        return _convert_once(loader, future, convert)
    return _converted(loader.load(key), convert)


def loaded_many(loader: DataLoader[K, V], keys: Sequence[K], convert: Callable[[list[V]], R]) -> R | Awaitable[R]:
    """`loaded` for several keys: `convert` of their values, in key order."""
    primed = getattr(loader, "primed", {})
    if all(key in primed for key in keys):
        return convert([primed[key] for key in keys])
    futures = [loader.cache_map.get(key) for key in keys]
    if all(_ready(future) for future in futures):
        return convert([future.result() for future in futures if future is not None])
    return _converted(loader.load_many(keys), convert)


def loaded_each(
    loader: DataLoader[K, V | None], keys: Sequence[K], convert: Callable[[V], R]
) -> list[R] | Awaitable[list[R]]:
    """`convert` of each value found for `keys`, in key order, the missing ones left out; each
    value converted once per request."""
    primed = getattr(loader, "primed", {})
    if all(key in primed for key in keys):
        return [_convert_primed(loader, key, convert) for key in keys if primed[key] is not None]  # type: ignore[arg-type]
    futures = [loader.cache_map.get(key) for key in keys]
    if all(_ready(future) for future in futures):
        return [
            _convert_once(loader, future, convert)  # type: ignore[arg-type]
            for future in futures
            if future is not None and future.result() is not None
        ]
    return _converted(loader.load_many(keys), lambda values: [convert(v) for v in values if v is not None])


def _convert_primed(loader: Loader[K, V], key: K, convert: Callable[[V], R]) -> R:
    by_key = loader.converted_primed.get(convert)
    if by_key is None:
        by_key = loader.converted_primed[convert] = {}
    elif key in by_key:
        converted: R = by_key[key]
        return converted
    converted = by_key[key] = convert(loader.primed[key])
    return converted


def _convert_once(loader: DataLoader[K, V], future: Future[V], convert: Callable[[V], R]) -> R:
    memo = getattr(loader, "converted", None)
    if memo is None:
        return convert(future.result())
    entry = memo.get((id(future), convert))
    if entry is not None and entry[0] is future:  # the same future: not a cleared and reloaded key
        converted: R = entry[1]
        return converted
    converted = convert(future.result())
    memo[(id(future), convert)] = (future, converted)
    return converted


def _ready(future: Future[V] | None) -> TypeGuard[Future[V]]:
    return future is not None and future.done() and not future.cancelled() and future.exception() is None


async def _converted(pending: Awaitable[T], convert: Callable[[T], R]) -> R:
    return convert(await pending)
