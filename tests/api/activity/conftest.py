"""A running uvicorn for the live activity tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn

from api.app import create_app
from embedded import free_port
from settings import Settings


@pytest.fixture
async def live_server(settings: Settings, clean_state: None) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=free_port(), log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # up to 10 s
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"ws://127.0.0.1:{server.config.port}/graphql"
    server.should_exit = True
    await task
