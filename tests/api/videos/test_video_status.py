"""videoStatus over a real WebSocket (graphql-transport-ws) against a running uvicorn; the
changes come from a worker through Redis pub/sub."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from settings import Settings
from tests.helpers import GraphQLClient, create_user
from workers.settings import worker_settings
from workers.worker import Worker

SUBSCRIBE = "subscription($id: ID!) { videoStatus(videoId: $id) { id status } }"
CREATE = (
    'mutation { createRemix(input: {prompt: "a red kite", characterIds: [], durationSeconds: 1}) { video { id } } }'
)


async def receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return message


async def test_a_workers_status_changes_reach_the_subscriber(
    live_server: str, client: GraphQLClient, settings: Settings
) -> None:
    fan = await create_user(client, handle="fan")
    video_id = (await client.execute(CREATE, token=fan.token)).data["createRemix"]["video"]["id"]
    async with websockets.connect(live_server, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {fan.token}"}}))
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {"id": video_id}}})
        )
        first = await receive(ws)
        assert first["payload"]["data"]["videoStatus"] == {"id": video_id, "status": "QUEUED"}
        worker = Worker(
            **worker_settings(settings.model_copy(update={"generator": "noop"})), burst=True, handle_signals=False
        )
        try:
            await worker.main()
        finally:
            await worker.close()
        statuses = [(await receive(ws))["payload"]["data"]["videoStatus"]["status"] for _ in range(2)]
        assert statuses == ["GENERATING", "DRAFT"]


async def test_only_the_creator_may_subscribe(live_server: str, client: GraphQLClient) -> None:
    fan = await create_user(client, handle="fan")
    other = await create_user(client, handle="other")
    video_id = (await client.execute(CREATE, token=fan.token)).data["createRemix"]["video"]["id"]
    async with websockets.connect(live_server, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {other.token}"}}))
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {"id": video_id}}})
        )
        message = await receive(ws)
        assert message["type"] == "error" or message["payload"].get("errors")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_connection_without_valid_credentials_is_closed_4401(live_server: str) -> None:
    for payload in ({}, {"authorization": "Bearer nope"}):
        async with websockets.connect(live_server, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await receive(ws)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
