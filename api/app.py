"""The ASGI app: GraphQL at /graphql, health probes, and the lifespan that owns the pools."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import orjson
from arq.connections import ArqRedis
from cross_web import AsyncHTTPRequestAdapter
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.context import Context, Services, build_context
from api.media_access import PublicMedia
from api.runtime import tune_gc
from api.schema import schema
from api.webhooks import payments_webhook
from db.catalog import Catalog
from db.pool import create_pool
from settings import Settings
from workers.storage import storage_for
from workers.storage.directory import media_app
from workers.storage.signing import UrlSigner

logger = logging.getLogger(__name__)
PROBE_TIMEOUT_SECONDS = 2.0
# Operations in flight per WebSocket; the next subscribe gets a protocol `error` message.
MAX_SUBSCRIPTIONS_PER_CONNECTION = 50


class FanreelGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        services: Services = request.app.state.services
        context = await build_context(services, request, request.headers.get("authorization"))
        if isinstance(response, Response):
            response.headers["X-Request-Id"] = context.request_id
        return context

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        try:
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        finally:
            context.loaders.clear()  # see Loaders.clear

    def encode_json(self, data: object) -> str:
        # orjson: several times faster than json.dumps for a page of hundreds of fields. A str, not
        # bytes, which strawberry would send over WebSockets as binary frames.
        return orjson.dumps(data).decode()

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Subscriptions authenticate in connection_init ({"authorization": "Bearer <token>"})."""
        authorization = context.connection_params.get("authorization")
        fresh = await build_context(
            context.services, context.request, authorization if isinstance(authorization, str) else None
        )
        if fresh.user_id is None and isinstance(context.request, WebSocket):
            await context.request.close(code=4401, reason="Unauthorized")
            raise ConnectionRejectionError()
        context.token_hash, context.user_id, context.loaders = fresh.token_hash, fresh.user_id, fresh.loaders
        return cast(UnsetType, UNSET)


def graphql_app() -> FanreelGraphQL:
    return FanreelGraphQL(
        schema,
        graphql_ide="graphiql",
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),  # the legacy graphql-ws protocol is off
        multipart_uploads_enabled=False,
        max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
    )


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    services: Services = request.app.state.services
    checks = {
        "postgres": await _probe(services.pool.fetchval("SELECT 1")),
        "redis": await _probe(services.redis.ping()),
    }
    ready = all(state == "ok" for state in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503)


async def _probe(check: Any) -> str:
    try:
        await asyncio.wait_for(check, PROBE_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        logger.warning("readiness probe failed: %r", exc)
        return "unavailable"
    return "ok"


def create_app(settings: Settings) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        assert settings.database_url and settings.redis_url, "the API needs DATABASE_URL and REDIS_URL"
        pool = await create_pool(settings.database_url)
        redis = ArqRedis.from_url(settings.redis_url)
        catalog = Catalog(settings.database_url)
        storage = storage_for(settings)
        app.state.services = Services(settings=settings, pool=pool, redis=redis, catalog=catalog, storage=storage)
        public_media.pool = pool
        tune_gc()
        try:
            yield
        finally:
            await catalog.close()
            await redis.aclose()
            await pool.close()

    graphql = graphql_app()
    public_media = PublicMedia(settings.media_status_cache_seconds)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/webhooks/payments", payments_webhook, methods=["POST"]),
    ]
    if settings.storage == "directory":
        signer = UrlSigner(settings.url_signing_secret)
        routes.append(Mount("/media", app=media_app(settings.media_dir, signer, public_media)))
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "x-device-id"],
        )
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={ClientDisconnect: client_gone},
        lifespan=lifespan,
    )


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client closed the connection before its request was read: nobody waits for an answer,
    and it is no server error (otherwise logged as "Exception in ASGI application")."""
    logger.debug("client went away before its request was read: %s %s", request.method, request.url.path)
    return Response(status_code=499)  # nginx's "client closed request"; never sent
