"""The operator role: `fanreel operator grant|revoke HANDLE`, and the check the API makes."""

from __future__ import annotations

import asyncpg
import pytest

from api.errors import Forbidden, Unauthenticated
from cli import _operator
from db.queries.operators import is_operator
from settings import Settings
from tests.helpers import GraphQLClient, create_user
from tests.views_factories import uuid_of


async def test_grant_and_revoke_from_the_command_line(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings
) -> None:
    mia = await create_user(client, handle="mia")
    assert settings.database_url
    assert await _operator(settings.database_url, "grant", "@mia") == (0, "@mia is now an operator")
    assert await _operator(settings.database_url, "grant", "mia") == (0, "@mia already was an operator")
    async with db.acquire() as conn:
        assert await is_operator(conn, user_id=uuid_of(mia.id))
    assert await _operator(settings.database_url, "revoke", "mia") == (0, "@mia is no longer an operator")
    assert await _operator(settings.database_url, "revoke", "mia") == (0, "@mia was not an operator")
    async with db.acquire() as conn:
        assert not await is_operator(conn, user_id=uuid_of(mia.id))
        # Both grants' history is kept.
        assert await conn.fetchval("SELECT count(*) FROM operator_grants WHERE user_id = $1", uuid_of(mia.id)) == 1


async def test_unknown_handle_is_refused(db: asyncpg.Pool, settings: Settings) -> None:
    assert settings.database_url
    assert await _operator(settings.database_url, "grant", "nobody_here") == (1, "no user @nobody_here")
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM operator_grants") == 0


async def test_require_operator(client: GraphQLClient, app: object, settings: Settings, db: asyncpg.Pool) -> None:
    from api.context import Context, build_context

    mia = await create_user(client, handle="mia")
    services = app.state.services  # type: ignore[attr-defined]
    signed_out: Context = await build_context(services, None, None)
    with pytest.raises(Unauthenticated):
        await signed_out.require_operator()
    signed_in = await build_context(services, None, f"Bearer {mia.token}")
    with pytest.raises(Forbidden):
        await signed_in.require_operator()
    assert settings.database_url
    await _operator(settings.database_url, "grant", "mia")
    assert await signed_in.require_operator() == uuid_of(mia.id)
