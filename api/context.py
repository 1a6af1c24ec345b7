"""The typed per-request context: services, the signed-in viewer, DataLoaders, request id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

import asyncpg
from arq.connections import ArqRedis
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from api.auth import bearer_token, token_hash
from api.errors import Forbidden, Unauthenticated
from api.loaders import Loaders
from db.catalog import Catalog
from db.queries.operators import is_operator
from db.queries.tokens import token_owner
from workers.storage import Storage

if TYPE_CHECKING:
    from settings import Settings

SUSPENDED = "This account is suspended."


@dataclass(frozen=True)
class Services:
    """What every request shares, built once by the app's lifespan."""

    settings: Settings
    pool: asyncpg.Pool
    redis: ArqRedis
    catalog: Catalog
    storage: Storage


@dataclass
class Context:
    services: Services
    request: Request | WebSocket | None
    loaders: Loaders
    # None: no credentials were sent. The token's hash is kept so logOut can revoke it.
    token_hash: bytes | None = None
    # None when signed out, or when the token is unknown, revoked, expired or its user suspended.
    user_id: UUID | None = None
    suspended: bool = False
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    # The payload of a WebSocket's connection_init (strawberry fills it in).
    connection_params: dict[str, object] = field(default_factory=dict)

    @property
    def pool(self) -> asyncpg.Pool:
        return self.services.pool

    @property
    def viewer_id(self) -> UUID | None:
        """The signed-in user; None when signed out; UNAUTHENTICATED when credentials are bad."""
        if self.token_hash is not None and self.user_id is None:
            raise Unauthenticated(SUSPENDED) if self.suspended else Unauthenticated()
        return self.user_id

    def require_viewer(self) -> UUID:
        viewer_id = self.viewer_id
        if viewer_id is None:
            raise Unauthenticated()
        return viewer_id

    async def recheck_token(self) -> None:
        """Read the token again: a WebSocket's context lives as long as the connection, and a token
        revoked, expired or suspended since it was opened must stop working at once."""
        if self.token_hash is not None and self.user_id is not None:
            async with self.pool.acquire() as conn:
                owner = await token_owner(conn, token_hash=self.token_hash)
            if owner is None or owner.suspended:
                self.user_id, self.suspended = None, owner is not None
                self.loaders = Loaders(self.pool, None)

    async def require_live_viewer(self) -> UUID:
        """`require_viewer` after `recheck_token`: for each event of a subscription."""
        await self.recheck_token()
        return self.require_viewer()

    async def require_operator(self) -> UUID:
        """The signed-in viewer when they hold the operator role; FORBIDDEN otherwise."""
        viewer_id = self.require_viewer()
        async with self.pool.acquire() as conn:
            if not await is_operator(conn, user_id=viewer_id):
                raise Forbidden()
        return viewer_id


Info = StrawberryInfo[Context, None]


async def build_context(services: Services, request: Request | WebSocket | None, authorization: str | None) -> Context:
    digest = owner = None
    token = bearer_token(authorization)
    if token is not None:
        digest = token_hash(token)
        async with services.pool.acquire() as conn:
            owner = await token_owner(conn, token_hash=digest)
    suspended = owner is not None and owner.suspended
    user_id = owner.user_id if owner is not None and not suspended else None
    return Context(
        services=services,
        request=request,
        loaders=Loaders(services.pool, user_id),
        token_hash=digest,
        user_id=user_id,
        suspended=suspended,
    )
