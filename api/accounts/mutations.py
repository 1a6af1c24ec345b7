"""signUp, logIn and logOut."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import asyncpg
import strawberry

from api.accounts.types import User
from api.auth import hash_password, needs_rehash, new_token, verify_password
from api.context import SUSPENDED, Info
from api.errors import Unauthenticated, UserError, constraint_error, user_errors
from api.limits.login import LogInGuard
from db.queries import tokens, users
from domain.accounts import validate_sign_up
from domain.errors import DomainError, ErrorCode, FieldError

TAKEN = {
    "users_handle_key": FieldError(ErrorCode.TAKEN, "That handle is taken.", ("input", "handle")),
    "users_email_key": FieldError(ErrorCode.TAKEN, "An account with that email exists.", ("input", "email")),
}
BAD_CREDENTIALS = FieldError(ErrorCode.INVALID, "Wrong handle, email or password.")
SUSPENDED_ACCOUNT = FieldError(ErrorCode.FORBIDDEN, SUSPENDED)


@strawberry.input
class SignUpInput:
    handle: str
    display_name: str
    email: str
    password: str


@strawberry.input
class LogInInput:
    handle_or_email: str
    password: str


@strawberry.type
class AuthPayload:
    token: str | None = None
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def issue_token(conn: asyncpg.Connection, info: Info, user_id: UUID) -> str:
    token, digest = new_token()
    ttl = timedelta(days=info.context.services.settings.token_ttl_days)
    await tokens.insert_token(conn, token_hash=digest, user_id=user_id, ttl=ttl)
    return token


@strawberry.type
class AccountMutations:
    @strawberry.mutation
    async def sign_up(self, info: Info, input: SignUpInput) -> AuthPayload:
        try:
            sign_up = validate_sign_up(input.handle, input.display_name, input.email, input.password)
            password_hash = await hash_password(sign_up.password)
            async with info.context.pool.acquire() as conn, conn.transaction():
                try:
                    row = await users.insert_user(
                        conn,
                        handle=sign_up.handle,
                        display_name=sign_up.display_name,
                        email=sign_up.email,
                        password_hash=password_hash,
                    )
                except asyncpg.UniqueViolationError as exc:
                    raise constraint_error(exc, TAKEN) from exc
                token = await issue_token(conn, info, row.id)
        except DomainError as error:
            return AuthPayload(user_errors=user_errors(error))
        return AuthPayload(token=token, user=User.from_row(row))

    @strawberry.mutation
    async def log_in(self, info: Info, input: LogInInput) -> AuthPayload:
        guard = LogInGuard(info.context, input.handle_or_email)  # back-off after failures (api/limits/login.py)
        if await guard.locked():
            return AuthPayload(user_errors=user_errors(DomainError(BAD_CREDENTIALS)))
        async with info.context.pool.acquire() as conn:
            found = await users.get_credentials(conn, handle_or_email=input.handle_or_email)
            # The same error, after the same work, whether the account exists or not.
            password_ok = await verify_password(found.password_hash if found else None, input.password)
            if found is None or not password_ok:
                await guard.failed()
                return AuthPayload(user_errors=user_errors(DomainError(BAD_CREDENTIALS)))
            await guard.succeeded()
            if found.suspended:  # said only to whoever knows the password; no token is issued
                return AuthPayload(user_errors=user_errors(DomainError(SUSPENDED_ACCOUNT)))
            user_id, password_hash = found.user_id, found.password_hash
            async with conn.transaction():
                if needs_rehash(password_hash):
                    new_hash = await hash_password(input.password)
                    await users.update_password_hash(conn, user_id=user_id, password_hash=new_hash)
                token = await issue_token(conn, info, user_id)
            (row,) = await users.get_users(conn, user_ids=[user_id])
        return AuthPayload(token=token, user=User.from_row(row))

    @strawberry.mutation(description="Revokes the token used for this request.")
    async def log_out(self, info: Info) -> bool:
        info.context.require_viewer()
        digest = info.context.token_hash
        assert digest is not None  # require_viewer passed, so a token was sent
        async with info.context.pool.acquire() as conn:
            if not await tokens.revoke_token(conn, token_hash=digest):
                raise Unauthenticated()
        return True
