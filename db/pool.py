"""The asyncpg pool every process shares.

asyncpg resets a connection when it goes back to the pool with one more round trip
(`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`). Our connections carry
no session state (no SET, LISTEN, session advisory locks or cursors outside a transaction: only
SET LOCAL and transaction-scoped locks), so that round trip is needed only when a block using
the connection did not finish: a cancelled or failed query may leave the server mid-statement
or holding locks. This pool skips the reset query after an `async with pool.acquire()` block
that ended normally, and sends it after any exception. An open transaction is rolled back
either way (asyncpg does that before calling `_reset`). A connection whose block ended normally,
with nothing to reset, goes back to the pool at once (`_release_at_once`) rather than through
asyncpg's release task.
"""

from __future__ import annotations

from types import TracebackType

import asyncpg
import asyncpg.pool


class Connection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg is untyped
    """A connection that remembers whether its last pooled use ended normally."""

    __slots__ = ("_ended_cleanly",)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._ended_cleanly = False

    def mark_ended_cleanly(self) -> None:
        self._ended_cleanly = True

    def take_ended_cleanly(self) -> bool:
        ended_cleanly, self._ended_cleanly = self._ended_cleanly, False
        return ended_cleanly


class _Acquire(asyncpg.pool.PoolAcquireContext):  # type: ignore[misc]
    __slots__ = ()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> None:
        if exc_type is None and self.connection is not None:
            self.connection.mark_ended_cleanly()
        await super().__aexit__(exc_type, exc_val, exc_tb)


def _release_at_once(pool: asyncpg.Pool, proxy: asyncpg.pool.PoolConnectionProxy) -> bool:
    """Give back a connection of this pool whose block ended normally, in the plain state (no transaction,
    listener or pending cancellation; not due to be closed), as `Pool.release` would, but at once:
    with nothing to reset there is nothing to wait for, and `Pool.release` runs it in a task of its
    own (`asyncio.shield`) under a timeout context. A feed page (two connections) cost the API
    1.89-1.92 ms of CPU under wrk with that, 1.74-1.78 ms without. False, having done nothing, when
    `Pool.release` must run.

    asyncpg's private API: pinned in the lock file, and tests/db/test_pool.py fails when the code
    this mirrors (PoolConnectionHolder.release, Connection._reset) changes."""
    if type(proxy) is not asyncpg.pool.PoolConnectionProxy or proxy._holder._pool is not pool:
        return False  # Pool.release says what is wrong
    holder, con = proxy._holder, proxy._con
    if (
        con is None
        or not con._ended_cleanly
        or not pool._initialized
        or pool._closed
        or con.is_closed()
        or con._top_xact is not None
        or con._protocol.is_in_transaction()
        or con._protocol._is_cancelling()
        or con._protocol.queries_count >= holder._max_queries
        or holder._generation != pool._generation
        or con._listeners
        or con._log_listeners
    ):
        return False
    con.take_ended_cleanly()
    con._on_release()
    holder._timeout = None
    holder._release()
    holder._setup_inactive_callback()
    return True


class Pool(asyncpg.Pool):  # type: ignore[misc]
    def acquire(self, *, timeout: float | None = None) -> asyncpg.pool.PoolAcquireContext:
        return _Acquire(self, timeout)

    async def release(self, connection: asyncpg.pool.PoolConnectionProxy, *, timeout: float | None = None) -> None:  # noqa: ASYNC109 (asyncpg's signature)
        if not _release_at_once(self, connection):
            await super().release(connection, timeout=timeout)


async def _reset(conn: asyncpg.Connection) -> None:
    assert isinstance(conn, Connection)
    if not conn.take_ended_cleanly() and (query := conn.get_reset_query()):
        await conn.execute(query)


async def create_pool(
    database_url: str, *, min_size: int = 1, max_size: int = 10, generic_plans: bool = False
) -> asyncpg.Pool:
    """`generic_plans`: plan each prepared statement once (`plan_cache_mode = force_generic_plan`).
    PostgreSQL otherwise re-plans statements with array parameters (`= ANY($1::uuid[])`, `unnest`)
    on every execution, which costs more than running them on the worker's short statements; the
    API keeps per-value plans for its lists, whose best plan depends on the values."""
    pool = Pool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        reset=_reset,
        loop=None,
        connection_class=Connection,
        record_class=asyncpg.Record,
        server_settings={"plan_cache_mode": "force_generic_plan"} if generic_plans else None,
    )
    await pool
    return pool
