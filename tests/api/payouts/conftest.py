"""Payout tests: an app and workers configured with a local fake payout provider, no hold and a $1 minimum."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from db.crediting import credit, split_config
from db.ledger_cli import checks_for, verify
from settings import Settings
from tests.helpers import GraphQLClient
from tests.views_factories import seed_qualified_views, uuid_of
from tests.workers.fake_payout_provider import FakePayouts
from tests.workers.fake_provider import serving
from workers.settings import worker_settings
from workers.worker import Worker

TOKEN = "payout-test-token"
ACCOUNT = """
fragment Account on PayoutAccount {
  available { micros } pending { micros } paidOut { micros } minimumPayout { micros } destination
  payouts(first: 10) { edges { node { id status amount { micros } providerReference failureReason settledAt } } }
}
"""
SET_DESTINATION = (
    ACCOUNT
    + """
mutation Set($input: SetPayoutDestinationInput!) {
  setPayoutDestination(input: $input) { account { ...Account } userErrors { field code message } }
}
"""
)
REQUEST = (
    ACCOUNT
    + """
mutation Request($input: RequestPayoutInput!) {
  requestPayout(input: $input) {
    payout { id status amount { micros } } account { ...Account } userErrors { field code message }
  }
}
"""
)
VIEWER_ACCOUNT = ACCOUNT + "{ viewer { payoutAccount { ...Account } } }"
HOLDER_ACCOUNT = ACCOUNT + "query($id: ID!) { node(id: $id) { ... on Holder { payoutAccount { ...Account } } } }"


@pytest.fixture
def fake_payouts() -> Iterator[tuple[FakePayouts, str]]:
    fake = FakePayouts(token=TOKEN)
    with serving(fake.app) as url:
        yield fake, url


@pytest.fixture
def payout_settings(settings: Settings, fake_payouts: tuple[FakePayouts, str]) -> Settings:
    return settings.model_copy(
        update={
            "payout_hold_days": 0,
            "minimum_payout": Decimal("1"),
            "payout_provider_url": fake_payouts[1],
            "payout_provider_token": TOKEN,
            "payout_provider_timeout_seconds": 0.5,
            "payout_retry_seconds": 0,
            "generator": "noop",
        }
    )


@pytest.fixture
async def pclient(payout_settings: Settings, clean_state: None, db_pool: asyncpg.Pool) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client of an app running with `payout_settings`."""
    application = create_app(payout_settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield GraphQLClient(http, db_pool)


@pytest.fixture(autouse=True)
async def ledger_verifies(db_pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[None]:
    yield
    async with db_pool.acquire() as conn:
        assert await verify(conn, checks_for(split_config(settings))) == []


async def earn(db: asyncpg.Pool, settings: Settings, video_id: str, views: int) -> None:
    """Credited views of a video (350 micros each to a creator without licenses)."""
    async with db.acquire() as conn:
        await seed_qualified_views(conn, uuid_of(video_id), views)
    await credit(db, split_config(settings))


async def run_worker(settings: Settings, **ctx: Any) -> None:
    options = worker_settings(settings) | {"burst": True, "poll_delay": 0.05}
    options["ctx"] = options["ctx"] | ctx
    worker = Worker(**options, handle_signals=False)
    try:
        await worker.main()
    finally:
        await worker.close()
