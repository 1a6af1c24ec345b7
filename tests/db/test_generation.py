"""createRemix's transaction: the statement that locks the creator also plans the rest once."""

from __future__ import annotations

import asyncpg
import pytest

from db.generation import LOCK_CREATOR
from db.queries import users

pytestmark = pytest.mark.usefixtures("clean_state")  # see tests/db/test_ledger.py


async def test_locking_the_creator_sets_generic_plans_for_the_transaction_only(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        user = await users.insert_user(
            conn, handle="planner", display_name="Planner", email="planner@example.com", password_hash="x"
        )
        async with conn.transaction():
            assert await conn.fetchrow(LOCK_CREATOR, user.id) is not None
            assert await conn.fetchval("SHOW plan_cache_mode") == "force_generic_plan"
        assert await conn.fetchval("SHOW plan_cache_mode") == "auto"
