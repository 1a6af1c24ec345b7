"""The HTTP front door: what every request meets before the app, as plain ASGI (no per-request objects).

- Bodies larger than MAX_BODY_BYTES are refused with 413, by Content-Length before anything is
  read, or as soon as the bytes read pass the limit.
- POST /graphql takes `application/json` only (415 otherwise): no form posts, so no cross-site
  "simple request" can run a mutation.
- /graphql and the webhooks answer within REQUEST_TIMEOUT_SECONDS or get an error (the work is
  cancelled, so its database connection goes back to the pool); media downloads are exempt.
- Security headers on every response; the one log line and the metrics of every request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import MutableMapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings import Settings
from telemetry import observe_request

logger = logging.getLogger("fanreel.requests")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
# Everything but GraphiQL's page: no scripts, no frames, nothing loaded from anywhere.
DEFAULT_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
TIMED_PATHS = ("/graphql", "/webhooks/")


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


class TooLarge(Exception):
    pass


class HttpGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_body = settings.max_body_bytes
        self.timeout = settings.request_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [header for header in SECURITY_HEADERS if header[0] not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DEFAULT_CSP))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self._guarded(scope, receive, send_with_headers, status)
        finally:
            self._log(scope, status[0] if status else 500, time.perf_counter() - started)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, status: list[int]) -> None:
        path: str = scope["path"]
        if scope["method"] == "POST":
            refusal = self._refuse_headers(scope)
            if refusal is not None:
                await _respond(send, *refusal)
                return
            try:
                receive = await self._read_body(receive)
            except TooLarge:
                await _respond(send, 413, f"The body is over {self.max_body} bytes.", "PAYLOAD_TOO_LARGE")
                return
        if not path.startswith(TIMED_PATHS):
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.timeout):
                await self.app(scope, receive, send)
        except TimeoutError:
            logger.warning("request over %s s, cancelled: %s %s", self.timeout, scope["method"], path)
            if not status:  # nothing sent yet: say why; otherwise the connection just ends
                await _respond(send, 503, f"The request took over {self.timeout:g} s and was stopped.", "TIMEOUT")

    def _refuse_headers(self, scope: Scope) -> tuple[int, str, str] | None:
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return 413, f"The body is over {self.max_body} bytes.", "PAYLOAD_TOO_LARGE"
        if scope["path"] == "/graphql":
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if content_type != b"application/json":
                return 415, "POST /graphql takes Content-Type: application/json.", "UNSUPPORTED_MEDIA_TYPE"
        return None

    async def _read_body(self, receive: Receive) -> Receive:
        """Read the whole body (the app reads it whole anyway) and hand it on in one message."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return _replay(message, receive)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return _replay({"type": "http.request", "body": b"".join(chunks), "more_body": False}, receive)

    def _log(self, scope: Scope, status: int, seconds: float) -> None:
        state: MutableMapping[str, Any] = scope.get("state") or {}
        graphql: dict[str, Any] = state.get("graphql") or {}
        observe_request(scope["path"], graphql.get("operation"), status, seconds, graphql.get("cost", 0))
        if scope["path"] in ("/healthz", "/readyz", "/metrics"):
            return
        logger.info(
            "%s %s %s %.1f ms",
            scope["method"],
            scope["path"],
            status,
            seconds * 1000,
            extra={
                "request_id": state.get("request_id"),
                "user_id": graphql.get("user_id"),
                "operation": graphql.get("operation"),
                "cost": graphql.get("cost"),
                "duration_ms": round(seconds * 1000, 1),
                "status": status,
            },
        )


def _replay(first: Message, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first
        return await receive()  # then the app learns of a disconnect as usual

    return replay


async def _respond(send: Send, status: int, message: str, code: str) -> None:
    body = error_body(message, code)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
