"""Leaky buckets in Redis: per user or IP, per field (signUp, recordViews), across API processes."""

from __future__ import annotations

import asyncio

import asyncpg
from websockets.typing import Subprotocol

from api.schema import schema
from api.views.mutations import _record_coerced
from tests.api.hardening.conftest import MakeApp, client_of
from tests.helpers import SIGN_UP, GraphQLClient, Result

SLOW_RATE = 0.0001  # points a second: no refill worth counting during a test
TWO_POINTS = '{ a: user(handle: "x") { id } b: user(handle: "y") { id } }'  # 2 points, requested = actual
ONE_POINT = '{ user(handle: "x") { id } }'
RECORD_VIEWS = "mutation($i: [ViewInput!]!) { recordViews(input: $i) { accepted userErrors { code } } }"


def throttled(result: Result) -> bool:
    return result.error_codes() == ["THROTTLED"]


async def test_the_bucket_refuses_at_its_edge_with_retry_after(make_app: MakeApp) -> None:
    async with make_app(rate_limit_bucket_size=3, rate_limit_restore_rate=0.5) as app:
        client = client_of(app)
        first = await client.execute(TWO_POINTS)
        assert first.errors == [] and first.body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 1
        response = await client.http.post("/graphql", json={"query": TWO_POINTS})
        assert response.status_code == 429
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "THROTTLED"
        # 1 point short at 0.5 a second: 2 s (a second or so less if Redis's clock moved on)
        assert 1 <= int(response.headers["Retry-After"]) == error["extensions"]["retryAfter"] <= 2
        just_enough = await client.execute(ONE_POINT)
        assert just_enough.errors == [] and just_enough.status == 200


async def test_users_and_addresses_have_buckets_of_their_own(make_app: MakeApp) -> None:
    async with make_app(rate_limit_bucket_size=2, rate_limit_restore_rate=SLOW_RATE) as app:
        assert (await client_of(app, "198.51.100.1").execute(TWO_POINTS)).errors == []
        assert throttled(await client_of(app, "198.51.100.1").execute(ONE_POINT))
        assert (await client_of(app, "198.51.100.2").execute(TWO_POINTS)).errors == []


async def test_throttling_holds_across_two_api_processes(make_app: MakeApp) -> None:
    """Two apps, each with its own pools and Redis connection, as two API processes would be."""
    limits = {"rate_limit_bucket_size": 3, "rate_limit_restore_rate": SLOW_RATE}
    async with make_app(**limits) as one, make_app(**limits) as two:
        assert (await client_of(one).execute(TWO_POINTS)).errors == []
        assert throttled(await client_of(two).execute(TWO_POINTS))
        assert (await client_of(two).execute(ONE_POINT)).errors == []
        assert throttled(await client_of(one).execute(ONE_POINT))


async def test_sign_up_per_ip(db: asyncpg.Pool, make_app: MakeApp) -> None:
    def values(n: int) -> dict[str, object]:
        return {
            "input": {
                "handle": f"new{n}",
                "displayName": "N",
                "email": f"n{n}@example.com",
                "password": "pw long enough",
            }
        }

    async with make_app(sign_up_bucket_size=2, sign_up_restore_per_hour=SLOW_RATE) as app:
        here = client_of(app, "198.51.100.7")
        for n in (1, 2):
            assert (await here.execute(SIGN_UP, values(n))).data["signUp"]["userErrors"] == []
        assert throttled(await here.execute(SIGN_UP, values(3)))
        assert await db.fetchval("SELECT count(*) FROM users") == 2
        elsewhere = client_of(app, "198.51.100.8")
        assert (await elsewhere.execute(SIGN_UP, values(4))).data["signUp"]["userErrors"] == []


async def test_record_views_per_device_and_per_ip_on_its_native_resolver(make_app: MakeApp) -> None:
    # recordViews is resolved from graphql-core's coerced arguments (api/views/mutations.py):
    # the limits apply to the operation, so they hold on that path too.
    assert schema._schema.mutation_type is not None
    assert schema._schema.mutation_type.fields["recordViews"].resolve is _record_coerced

    async def record(client: GraphQLClient, device: str) -> Result:
        return await client.execute(RECORD_VIEWS, {"i": []}, headers={"X-Device-Id": device})

    limits = {"record_views_bucket_size": 2, "record_views_restore_per_second": SLOW_RATE, "record_views_ip_factor": 2}
    async with make_app(**limits) as app:
        client = client_of(app, "198.51.100.9")
        for _ in range(2):
            assert (await record(client, "device-aaaa")).data["recordViews"] == {"accepted": 0, "userErrors": []}
        assert throttled(await record(client, "device-aaaa"))  # the device's bucket
        for _ in range(2):
            assert (await record(client, "device-bbbb")).errors == []
        assert throttled(await record(client, "device-cccc"))  # the IP's bucket: 2 × 2 calls
        assert (await record(client_of(app, "198.51.100.10"), "device-cccc")).errors == []


async def test_subscriptions_take_from_the_bucket_too(make_app: MakeApp, client: GraphQLClient) -> None:
    """Over a real WebSocket: the first subscription (1 point) fits the 1-point bucket, the second
    is refused with THROTTLED."""
    import uvicorn
    import websockets

    from embedded import free_port
    from tests.api.activity.support import init, receive, subscribe
    from tests.helpers import create_user

    fan = await create_user(client)
    async with make_app(rate_limit_bucket_size=1, rate_limit_restore_rate=SLOW_RATE) as app:
        server = uvicorn.Server(uvicorn.Config(app, port=free_port(), log_level="warning", lifespan="off"))
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.02)
        try:
            url = f"ws://127.0.0.1:{server.config.port}/graphql"
            async with websockets.connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
                await init(ws, fan.token)
                await subscribe(ws, "1", "subscription { activity { id } }")
                await subscribe(ws, "2", "subscription { activity { id } }")
                message = await receive(ws)
        finally:
            server.should_exit = True
            await task
    assert message["id"] == "2" and message["type"] == "next"
    assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["THROTTLED"]
