"""createHolder and addHolderMember."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.errors import Forbidden, UserError, user_errors
from api.holders.types import Holder
from api.ids import decode_id
from db.queries import holders, users
from domain.errors import DomainError, ErrorCode, FieldError
from domain.policy import HolderKind

MAX_NAME_LENGTH = 100


@strawberry.input
class CreateHolderInput:
    name: str


@strawberry.type
class HolderPayload:
    holder: Holder | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def holder_not_found(field: str) -> DomainError:
    return DomainError(FieldError(ErrorCode.NOT_FOUND, "No such holder.", (field,)))


@strawberry.type
class HolderMutations:
    @strawberry.mutation
    async def create_holder(self, info: Info, input: CreateHolderInput) -> HolderPayload:
        viewer_id = info.context.require_viewer()
        name = input.name.strip()
        if not 1 <= len(name) <= MAX_NAME_LENGTH:
            error = FieldError(ErrorCode.INVALID, f"Name must be 1-{MAX_NAME_LENGTH} characters.", ("input", "name"))
            return HolderPayload(user_errors=user_errors(DomainError(error)))
        async with info.context.pool.acquire() as conn, conn.transaction():
            row = await holders.insert_holder(conn, name=name, kind=HolderKind.ORGANIZATION)
            await holders.add_member(conn, holder_id=row.id, user_id=viewer_id, added_by=viewer_id)
        return HolderPayload(holder=Holder.from_row(row))

    @strawberry.mutation
    async def add_holder_member(self, info: Info, holder_id: strawberry.ID, handle: str) -> HolderPayload:
        viewer_id = info.context.require_viewer()
        raw_id = decode_id(holder_id, "Holder")
        async with info.context.pool.acquire() as conn, conn.transaction():
            row = await holders.get_holder(conn, holder_id=raw_id) if raw_id else None
            if row is None:
                return HolderPayload(user_errors=user_errors(holder_not_found("holderId")))
            if not await holders.is_member(conn, holder_id=row.id, user_id=viewer_id):
                raise Forbidden("Only the holder's members may add members.")
            if row.kind is HolderKind.PERSON:
                error = FieldError(
                    ErrorCode.INVALID, "A person's likeness has only that person as member.", ("holderId",)
                )
                return HolderPayload(user_errors=user_errors(DomainError(error)))
            user = await users.get_user_by_handle(conn, handle=handle.strip())
            if user is None:
                error = FieldError(ErrorCode.NOT_FOUND, "No user with that handle.", ("handle",))
                return HolderPayload(user_errors=user_errors(DomainError(error)))
            await holders.add_member(conn, holder_id=row.id, user_id=user.id, added_by=viewer_id)
        return HolderPayload(holder=Holder.from_row(row))
