"""requestVerification (members), verifyHolder and verificationQueue (operators): RULES §11."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import strawberry

from api.context import Info
from api.errors import Forbidden, user_errors
from api.holders.mutations import HolderPayload
from api.holders.types import Holder
from api.ids import decode_id
from api.pagination import Connection, connection, decode_cursor, encode_cursor, page_size
from db.queries import holders
from db.verification import verify
from domain.errors import DomainError, ErrorCode, FieldError
from domain.verification import check_request


@strawberry.input
class RequestVerificationInput:
    holder_id: strawberry.ID
    evidence: str = strawberry.field(
        description="What proves the rights: registrations, contracts, official channels (text and URLs)."
    )


@strawberry.input
class VerifyHolderInput:
    holder_id: strawberry.ID
    approve: bool
    note: str | None = None


async def _locked(conn: asyncpg.Connection, global_id: str) -> holders.Holder:
    raw_id = decode_id(global_id, "Holder")
    holder = await holders.lock_holder(conn, holder_id=raw_id) if raw_id else None
    if holder is None:
        raise DomainError(FieldError(ErrorCode.NOT_FOUND, "No such holder.", ("input", "holderId")))
    return holder


@strawberry.type
class VerificationMutations:
    @strawberry.mutation(description="Members of an ORGANIZATION holder ask an operator to verify it.")
    async def request_verification(self, info: Info, input: RequestVerificationInput) -> HolderPayload:
        viewer_id = info.context.require_viewer()
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                holder = await _locked(conn, input.holder_id)
                if not await holders.is_member(conn, holder_id=holder.id, user_id=viewer_id):
                    raise Forbidden("Only the holder's members may ask for its verification.")
                evidence = check_request(holder.kind, holder.verification, input.evidence)
                updated = await holders.request_verification(conn, holder_id=holder.id, evidence=evidence)
        except DomainError as error:
            return HolderPayload(user_errors=user_errors(error))
        return HolderPayload(holder=Holder.from_row(updated))

    @strawberry.mutation(description="Operators only.")
    async def verify_holder(self, info: Info, input: VerifyHolderInput) -> HolderPayload:
        operator_id = await info.context.require_operator()
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                holder = await _locked(conn, input.holder_id)
                catalog = info.context.services.catalog
                updated = await verify(conn, catalog, holder, approve=input.approve, decided_by=operator_id,
                                       note=input.note)  # fmt: skip
        except DomainError as error:
            return HolderPayload(user_errors=user_errors(error))
        return HolderPayload(holder=Holder.from_row(updated))


@strawberry.type
class VerificationQueries:
    @strawberry.field(description="Operators only: holders waiting for verification, oldest first.")
    async def verification_queue(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Holder]:
        await info.context.require_operator()
        size = page_size(first)
        keyset = decode_cursor(after, datetime.fromisoformat, UUID)
        async with info.context.pool.acquire() as conn:
            rows = await holders.verification_queue(conn, after=keyset, limit=size + 1)
        return connection(rows, size, Holder.from_row, _queue_cursor, after=after)


def _queue_cursor(row: holders.Holder) -> str:
    assert row.verification_requested_at is not None  # PENDING holders have asked
    return encode_cursor(row.verification_requested_at, row.id)
