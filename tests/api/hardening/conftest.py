"""Apps with settings of their own (production mode, small limits), each a separate instance with its
own pools: two of them sharing Redis behave as two API processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from settings import Settings
from tests.helpers import GraphQLClient

MakeApp = Callable[..., AbstractAsyncContextManager[Starlette]]


@pytest.fixture
def make_app(settings: Settings, clean_state: None) -> MakeApp:
    """`async with make_app(**overrides) as app`: the test settings with overrides, lifespan running."""

    @asynccontextmanager
    async def running(**overrides: Any) -> AsyncIterator[Starlette]:
        app = create_app(settings.model_copy(update=overrides))
        async with app.router.lifespan_context(app):
            yield app

    return running


def client_of(app: Starlette, ip: str = "203.0.113.1") -> GraphQLClient:
    """A client of `app` calling from `ip` (what the per-IP limits see)."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return GraphQLClient(httpx.AsyncClient(transport=transport, base_url="http://test"))
