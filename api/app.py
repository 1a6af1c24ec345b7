"""The ASGI app: GraphQL at /graphql, health probes, and the lifespan that owns the pools."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import orjson
from arq.connections import ArqRedis
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.context import Context, Services, build_context
from api.http_guard import HttpGuard, error_body
from api.limits.extension import BAD_TEXT
from api.limits.text import body_has_bad_text
from api.media_access import PublicMedia
from api.metrics import metrics
from api.runtime import tune_gc
from api.schema import schema
from api.webhooks import payments_webhook
from db.catalog import Catalog
from db.pool import create_pool
from db.view_partitions import ensure_partitions
from domain import vocabulary
from settings import Settings
from workers.storage import storage_for
from workers.storage.directory import media_app
from workers.storage.signing import UrlSigner

logger = logging.getLogger(__name__)
PROBE_TIMEOUT_SECONDS = 2.0
HTTP_CODES = {400: "BAD_USER_INPUT", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
GRAPHIQL_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
# GraphiQL's page loads its scripts and styles from this server only (api/static/graphiql); its
# editor sets inline styles, so styles need 'unsafe-inline' (no script does).
GRAPHIQL_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# Operations in flight per WebSocket; the next subscribe gets a protocol `error` message.
MAX_SUBSCRIPTIONS_PER_CONNECTION = 50


class RecheckingTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """Each operation on a WebSocket (query, mutation or subscription) reads the connection's token
    again first: the context lives as long as the connection, and a token revoked, expired or
    suspended since connection_init must stop working at once."""

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        await self.context.recheck_token()
        await super().run_operation(operation)


class FanreelGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = RecheckingTransportWS

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        services: Services = request.app.state.services
        context = await build_context(services, request, request.headers.get("authorization"))
        request.scope.setdefault("state", {})["request_id"] = context.request_id  # for the request's log line
        if isinstance(response, Response):
            response.headers["X-Request-Id"] = context.request_id
        return context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:  # strawberry's refusals, as GraphQL errors in JSON (it sends plain text)
            code = HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
            response = Response(error_body(exc.reason, code), exc.status_code, media_type="application/json")
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        """orjson: faster, and it refuses invalid UTF-8 and lone surrogates; then NUL is refused too."""
        raw = data.encode() if isinstance(data, str) else data
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"The body is not valid JSON (UTF-8, no lone surrogates): {exc}") from exc
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The body must be a JSON object with a query.")
        if body_has_bad_text(raw, parsed):
            raise HTTPException(400, BAD_TEXT)
        return parsed

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(
            (GRAPHIQL_DIR / "index.html").read_bytes(), headers={"Content-Security-Policy": GRAPHIQL_CSP}
        )

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
            result = await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        finally:
            context.loaders.clear()  # see Loaders.clear
        if isinstance(result, ExecutionResult):
            throttled = [e for e in result.errors or () if (e.extensions or {}).get("code") == "THROTTLED"]
            if throttled:
                sub_response.status_code = 429
                sub_response.headers["Retry-After"] = str((throttled[0].extensions or {}).get("retryAfter", 1))
        return result

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
        context.suspended = fresh.suspended
        return cast(UnsetType, UNSET)


def graphql_app(settings: Settings | None = None) -> FanreelGraphQL:
    production = settings is not None and settings.production
    return FanreelGraphQL(
        schema,
        graphql_ide=None if production else "graphiql",  # production: no GraphiQL page (404)
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
        async with pool.acquire() as conn:
            await ensure_partitions(conn)  # recordViews never waits for the worker's cron to make today's
        redis = ArqRedis.from_url(settings.redis_url)
        catalog = Catalog(settings.database_url)
        storage = storage_for(settings)
        app.state.services = Services(settings=settings, pool=pool, redis=redis, catalog=catalog, storage=storage)
        public_media.pool = pool
        vocabulary.load()  # before the first request that tokenises a prompt
        tune_gc()
        try:
            yield
        finally:
            await catalog.close()
            await redis.aclose()
            await pool.close()

    graphql = graphql_app(settings)
    public_media = PublicMedia(settings.media_status_cache_seconds)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/webhooks/payments", payments_webhook, methods=["POST"]),
        Route("/metrics", metrics),
    ]
    if not settings.production:
        routes.append(Mount("/graphiql", app=StaticFiles(directory=GRAPHIQL_DIR)))
    if settings.storage == "directory":
        signer = UrlSigner(settings.url_signing_secret)
        routes.append(Mount("/media", app=media_app(settings.media_dir, signer, public_media)))
    middleware = [
        Middleware(HttpGuard, settings=settings),  # outermost: sizes, content types, timeouts, headers, logs
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "x-device-id"],
        ),
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
