"""setPayoutDestination and requestPayout (RULES §9): the request moves the money to clearing in one
transaction; the worker job sends it (workers/payouts.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from api.context import Info
from api.errors import Forbidden, UserError, invalid, user_errors
from api.ids import decode_id
from api.payouts.types import Payout, PayoutAccount, payout_account, payout_rules
from db import payouts as payout_service
from db.payouts import Owner
from db.queries import payouts
from domain.errors import DomainError, ErrorCode, FieldError
from domain.money import parse_usd
from domain.payouts import MAX_DESTINATION_LENGTH
from workers.payouts import enqueue_payout

MAX_IDEMPOTENCY_KEY_LENGTH = 200


@strawberry.input
class SetPayoutDestinationInput:
    destination: str
    holder_id: strawberry.ID | None = strawberry.field(default=None, description="Null: the viewer's own account.")


@strawberry.input
class RequestPayoutInput:
    holder_id: strawberry.ID | None = None
    amount: str | None = strawberry.field(default=None, description="USD decimal string; null: everything available.")
    idempotency_key: str | None = None


@strawberry.type
class PayoutPayload:
    payout: Payout | None = None
    account: PayoutAccount | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _owner(info: Info, holder_id: str | None) -> Owner:
    """The viewer's own account, or a holder's they are a member of (FORBIDDEN otherwise)."""
    viewer_id = info.context.require_viewer()
    if holder_id is None:
        return Owner(user_id=viewer_id)
    raw_id = decode_id(holder_id, "Holder")
    if raw_id is None or raw_id not in await info.context.loaders.viewer_holder_ids():
        raise Forbidden("Only the holder's members may manage its payouts.")
    return Owner(holder_id=raw_id)


def _amount(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        micros = parse_usd(text)
    except ValueError:
        raise DomainError(invalid('The amount is a USD decimal string, e.g. "12.50".', "input", "amount")) from None
    if micros <= 0:
        raise DomainError(invalid("The amount must be positive.", "input", "amount"))
    return micros


@strawberry.type
class PayoutMutations:
    @strawberry.mutation
    async def set_payout_destination(self, info: Info, input: SetPayoutDestinationInput) -> PayoutPayload:
        owner = await _owner(info, input.holder_id)
        destination = input.destination.strip()
        if not 1 <= len(destination) <= MAX_DESTINATION_LENGTH:
            error = invalid(f"A destination is 1-{MAX_DESTINATION_LENGTH} characters.", "input", "destination")
            return PayoutPayload(user_errors=user_errors(DomainError(error)))
        async with info.context.pool.acquire() as conn, conn.transaction():
            account_id = await payout_service.account_of(conn, owner)
            await payouts.set_destination(conn, account_id=account_id, destination=destination)
        return PayoutPayload(account=await payout_account(info, owner))

    @strawberry.mutation
    async def request_payout(self, info: Info, input: RequestPayoutInput) -> PayoutPayload:
        owner = await _owner(info, input.holder_id)
        viewer_id = info.context.require_viewer()
        try:
            key = input.idempotency_key
            if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
                message = f"An idempotency key is 1-{MAX_IDEMPOTENCY_KEY_LENGTH} characters."
                raise DomainError(FieldError(ErrorCode.INVALID, message, ("input", "idempotencyKey")))
            amount = _amount(input.amount)
            async with info.context.pool.acquire() as conn, conn.transaction():
                payout, new = await payout_service.request(
                    conn,
                    owner=owner,
                    requested_by=viewer_id,
                    amount=amount,
                    idempotency_key=key,
                    rules=payout_rules(info),
                    now=datetime.now(UTC),
                )
        except DomainError as error:
            return PayoutPayload(user_errors=user_errors(error))
        if new:
            await enqueue_payout(info.context.services.redis, payout.id)
        return PayoutPayload(payout=Payout.from_row(payout), account=await payout_account(info, owner))
