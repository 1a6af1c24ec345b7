"""PayoutAccount and the Payout node (RULES §9)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

import strawberry

from api.context import Info
from api.ids import to_global_id
from api.money import MoneyType
from api.node import Node, register_node
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from db import payouts as payout_service
from db.payouts import Owner, PayoutRules
from db.queries import ledger, payouts


class PayoutStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"


PayoutStatusType = strawberry.enum(PayoutStatus, name="PayoutStatus")


@strawberry.type(name="Payout")
class Payout(Node):
    amount: MoneyType
    status: PayoutStatusType  # type: ignore[valid-type]
    provider_reference: str | None = strawberry.field(description="The payout provider's reference, once sent.")
    failure_reason: str | None
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def from_row(cls, row: payouts.Payout) -> Payout:
        return cls(
            id=strawberry.ID(to_global_id("Payout", row.id)),
            amount=MoneyType.usd(row.amount_micros),
            status=PayoutStatus(row.status),
            provider_reference=row.provider_reference,
            failure_reason=row.failure_reason,
            created_at=row.created_at,
            settled_at=row.settled_at,
        )


def payout_rules(info: Info) -> PayoutRules:
    settings = info.context.services.settings
    return PayoutRules(hold_days=settings.payout_hold_days, minimum_micros=settings.minimum_payout_micros)


@strawberry.type(name="PayoutAccount", description="Earnings that can leave the platform. Creators' top-ups never can.")
class PayoutAccount:
    available: MoneyType = strawberry.field(
        description="Earned more than PAYOUT_HOLD_DAYS ago, not held by an open claim, not yet paid out."
    )
    pending: MoneyType = strawberry.field(description="Earned within the hold period, or held by an open claim.")
    paid_out: MoneyType
    minimum_payout: MoneyType
    destination: str | None = strawberry.field(description="The payout provider's account the money goes to.")
    account_id: strawberry.Private[UUID]

    @strawberry.field
    async def payouts(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Payout]:
        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await payouts.payouts_of(conn, account_id=self.account_id, after=keyset, limit=size + 1)
        return connection(rows, size, Payout.from_row, lambda r: encode_cursor(r.created_at, r.id), after=after)


async def payout_account(info: Info, owner: Owner) -> PayoutAccount:
    """The caller has checked that the viewer is the owner (or one of the holder's members)."""
    rules = payout_rules(info)
    async with info.context.pool.acquire() as conn:
        account_id = await payout_service.account_of(conn, owner)
        figures, paid_out = await payout_service.account_figures(conn, owner, account_id, rules, datetime.now(UTC))
        destination = await payouts.destination(conn, account_id=account_id)
    return PayoutAccount(
        available=MoneyType.usd(figures.available),
        pending=MoneyType.usd(figures.pending),
        paid_out=MoneyType.usd(paid_out),
        minimum_payout=MoneyType.usd(rules.minimum_micros),
        destination=destination,
        account_id=account_id,
    )


async def load_payout(info: Info, payout_id: UUID) -> Payout | None:
    """Visible to the wallet's user or the holder's members."""
    if info.context.viewer_id is None:
        return None
    async with info.context.pool.acquire() as conn:
        found = await payouts.get_payouts(conn, payout_ids=[payout_id])
        accounts = await ledger.get_accounts(conn, account_ids=[found[0].account_id]) if found else []
    if not accounts:
        return None
    account = accounts[0]
    mine = account.user_id == info.context.viewer_id
    if not mine and account.holder_id not in await info.context.loaders.viewer_holder_ids():
        return None
    return Payout.from_row(found[0])


register_node("Payout", load_payout)
