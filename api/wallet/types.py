"""The viewer's wallet: balance, free generations left today, and ledger entries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.context import Info
from api.ids import to_global_id
from api.money import MoneyType
from api.node import Node, register_node
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from db.queries import ledger
from db.remix import generations_today
from domain.ledger import LedgerKind
from domain.pricing import free_generations_left

if TYPE_CHECKING:
    from api.videos.types import Video

LedgerKindType = strawberry.enum(LedgerKind, name="LedgerKind")


@strawberry.type(name="LedgerEntry")
class LedgerEntry(Node):
    kind: LedgerKindType  # type: ignore[valid-type]
    amount: MoneyType = strawberry.field(description="Positive credits the wallet, negative debits it.")
    created_at: datetime
    memo: str | None
    video_id: strawberry.Private[UUID | None]

    @classmethod
    def from_row(cls, row: ledger.Entry) -> LedgerEntry:
        return cls(
            id=strawberry.ID(to_global_id("LedgerEntry", row.id)),
            kind=row.kind,
            amount=MoneyType.usd(row.amount_micros),
            created_at=row.created_at,
            memo=row.memo,
            video_id=row.video_id,
        )

    @strawberry.field
    async def video(self, info: Info) -> Annotated[Video, strawberry.lazy("api.videos.types")] | None:
        from api.videos.types import load_video

        return await load_video(info, self.video_id) if self.video_id else None


async def load_entry(info: Info, entry_id: UUID) -> LedgerEntry | None:
    """Only the wallet's owner, or the holder's members, see an entry."""
    async with info.context.pool.acquire() as conn:
        found = await ledger.get_entries(conn, entry_ids=[entry_id])
    if not found:
        return None
    entry = found[0]
    viewer_id = info.context.viewer_id
    mine = viewer_id is not None and entry.user_id == viewer_id
    member = entry.holder_id is not None and entry.holder_id in await info.context.loaders.viewer_holder_ids()
    return LedgerEntry.from_row(entry) if mine or member else None


register_node("LedgerEntry", load_entry)


@strawberry.type(name="Wallet")
class Wallet:
    user_id: strawberry.Private[UUID]

    @strawberry.field
    async def balance(self, info: Info) -> MoneyType:
        async with info.context.pool.acquire() as conn:
            return MoneyType.usd(await ledger.wallet_balance(conn, user_id=self.user_id))

    @strawberry.field(description="Free generations left today (UTC).")
    async def free_generations_left(self, info: Info) -> int:
        async with info.context.pool.acquire() as conn:
            today = await generations_today(conn, user_id=self.user_id)
        return free_generations_left(today, info.context.services.settings.free_generations_per_day)

    @strawberry.field
    async def entries(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[LedgerEntry]:
        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            account_id = await ledger.wallet_account(conn, user_id=self.user_id)
            rows = await ledger.account_entries(conn, account_id=account_id, after=keyset, limit=size + 1)
        return connection(rows, size, LedgerEntry.from_row, lambda r: encode_cursor(r.created_at, r.id), after=after)
