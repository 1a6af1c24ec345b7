"""`POST /webhooks/payments`: the payment provider's signed events credit wallets (RULES §7), and
refunds and chargebacks take the money back, leaving a debt when the wallet cannot cover it (§9).

The provider retries until it gets a 2xx, so: 200 for a credited, replayed or ignored event;
400 (with a JSON error body) for anything that retrying cannot fix; a 5xx only when we
failed, so that it retries.
"""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.context import Services
from api.ids import decode_id
from db import payments
from db.queries import users
from domain.ledger import (
    PAYMENT_REVERSALS,
    PAYMENT_SUCCEEDED,
    SIGNATURE_HEADER,
    InvalidEvent,
    InvalidSignature,
    Payment,
    Reversal,
    parse_event,
    parse_payment,
    parse_reversal,
    verify_signature,
)

logger = logging.getLogger(__name__)
# Payment events are a few hundred bytes; nothing bigger is read into memory.
MAX_BODY_BYTES = 64 * 1024


async def payments_webhook(request: Request) -> Response:
    services: Services = request.app.state.services
    secret = services.settings.payment_webhook_secret
    if not secret:
        logger.error("payment webhook refused: PAYMENT_WEBHOOK_SECRET is empty")
        return _error(503, "NOT_CONFIGURED", "The payments webhook is not configured.")
    body = await _read_body(request)
    if body is None:
        return _error(413, "TOO_LARGE", f"The body exceeds {MAX_BODY_BYTES} bytes.")
    try:
        verify_signature(secret, request.headers.get(SIGNATURE_HEADER), body, time.time())
    except InvalidSignature as exc:
        logger.warning("payment webhook refused: %s", exc.problem)
        return _error(400, exc.problem.value, "Missing, invalid or expired signature.")
    try:
        event = parse_event(body)
        if event.type in PAYMENT_REVERSALS:
            return await _reverse(services, parse_reversal(event))
        if event.type != PAYMENT_SUCCEEDED:
            return JSONResponse({"received": True, "credited": False})
        payment = parse_payment(event)
    except InvalidEvent as exc:
        logger.warning("payment webhook refused: %s", exc)
        return _error(400, "INVALID_EVENT", str(exc))
    return await _credit(services, payment)


async def _reverse(services: Services, reversal: Reversal) -> Response:
    user_id = decode_id(reversal.user_ref, "User")
    try:
        async with services.pool.acquire() as conn, conn.transaction():
            if user_id is None or not await users.get_users(conn, user_ids=[user_id]):
                return _error(400, "UNKNOWN_USER", "data.user_id is not a user.")
            done = await payments.reverse(conn, user_id=user_id, reversal=reversal)
    except payments.UnknownPayment as exc:
        logger.warning("reversal %s refused: %s", reversal.event_id, exc)
        return _error(400, "INVALID_EVENT", str(exc))
    if done is None:
        return JSONResponse({"received": True, "reversed": False})
    logger.info("reversal %s took %d micros, %d left as debt", reversal.event_id, done.taken_micros, done.debt_micros)
    return JSONResponse({"received": True, "reversed": True, "debtMicros": done.debt_micros})


async def _credit(services: Services, payment: Payment) -> Response:
    user_id = decode_id(payment.user_ref, "User")
    async with services.pool.acquire() as conn, conn.transaction():
        if user_id is None or not await users.get_users(conn, user_ids=[user_id]):
            logger.warning("payment %s refused: unknown user %s", payment.event_id, payment.user_ref)
            return _error(400, "UNKNOWN_USER", "data.user_id is not a user.")
        credited = await payments.fund(
            conn, user_id=user_id, amount_micros=payment.amount_micros, event_id=payment.event_id
        )
    if not credited:
        logger.info("payment %s already credited", payment.event_id)
    else:
        logger.info("payment %s credited %d micros to user %s", payment.event_id, payment.amount_micros, user_id)
    return JSONResponse({"received": True, "credited": credited})


async def _read_body(request: Request) -> bytes | None:
    """The body, or None as soon as it exceeds MAX_BODY_BYTES."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
