"""logIn back-off per account and per IP: exponential after the free failures, and while locked the
right password gets exactly the answer a wrong one gets. Time moves by editing the lock in Redis."""

from __future__ import annotations

import asyncpg
from redis.asyncio import Redis

from tests.api.hardening.conftest import MakeApp, client_of
from tests.helpers import GraphQLClient, create_user

LOG_IN = """
mutation($who: String!, $pw: String!) {
  logIn(input: {handleOrEmail: $who, password: $pw}) { token user { handle } userErrors { field code message } }
}
"""
LIMITS = {"log_in_free_failures": 3, "log_in_free_failures_per_ip": 100, "log_in_backoff_base_seconds": 60.0}
WRONG = {
    "token": None,
    "user": None,
    "userErrors": [{"field": None, "code": "INVALID", "message": "Wrong handle, email or password."}],
}


async def log_in(client: GraphQLClient, who: str, password: str) -> dict[str, object]:
    payload: dict[str, object] = (await client.execute(LOG_IN, {"who": who, "pw": password})).data["logIn"]
    return payload


async def lock_seconds(redis: Redis, key: str) -> float:
    now = await redis.time()
    until = float(await redis.hget(key, "until") or 0)
    return until - (now[0] + now[1] / 1e6)


async def pass_the_lock(redis: Redis, key: str) -> None:
    """As if the lock's time had run out."""
    await redis.hset(key, "until", "0")


async def test_the_right_password_is_refused_while_locked(
    client: GraphQLClient, db: asyncpg.Pool, redis: Redis, make_app: MakeApp
) -> None:
    alice = await create_user(client, handle="alice")
    async with make_app(**LIMITS) as app:
        guesser = client_of(app)
        for _ in range(3):  # the free failures
            assert await log_in(guesser, "alice", "guess") == WRONG
        assert (await log_in(guesser, "alice", alice.password))["token"]  # not locked yet: a success clears
        for _ in range(4):  # three free, the fourth locks for 60 s
            assert await log_in(guesser, "alice", "guess") == WRONG
        tokens = await db.fetchval("SELECT count(*) FROM auth_tokens")
        assert await log_in(guesser, "ALICE", alice.password) == WRONG  # same shape, no token
        assert await db.fetchval("SELECT count(*) FROM auth_tokens") == tokens
        key = "fanreel:login:account:alice"
        assert 55 < await lock_seconds(redis, key) <= 60
        await pass_the_lock(redis, key)
        assert await log_in(guesser, "alice", "guess") == WRONG  # a fifth failure: 120 s
        assert 115 < await lock_seconds(redis, key) <= 120
        await pass_the_lock(redis, key)
        assert (await log_in(guesser, "alice", alice.password))["user"] == {"handle": "alice"}
        assert not await redis.exists(key)


async def test_an_ip_guessing_across_accounts_backs_off(client: GraphQLClient, make_app: MakeApp) -> None:
    bob = await create_user(client, handle="bob")
    limits = LIMITS | {"log_in_free_failures_per_ip": 4}
    async with make_app(**limits) as app:
        guesser = client_of(app, "198.51.100.66")
        for who in ("carol", "dave", "erin", "frank"):  # one failure each: no account locks
            assert await log_in(guesser, who, "guess") == WRONG
        assert (await log_in(guesser, "bob", bob.password))["token"]  # the IP's 4 failures were free
        assert await log_in(guesser, "gina", "guess") == WRONG  # the 5th locks the IP
        assert await log_in(guesser, "bob", bob.password) == WRONG
        assert (await log_in(client_of(app, "198.51.100.67"), "bob", bob.password))["token"]


async def test_a_hundred_wrong_passwords_meet_the_back_off(
    client: GraphQLClient, redis: Redis, make_app: MakeApp
) -> None:
    """The outside tester's 100 wrong passwords in a few seconds, with the default free failures:
    after the 5 free ones the account is locked, and the right password does not get in. (A first
    lock of 60 s instead of the default 1 s keeps the test independent of its own speed.)"""
    alice = await create_user(client, handle="alice")
    async with make_app(log_in_free_failures=5, log_in_free_failures_per_ip=50, log_in_backoff_base_seconds=60) as app:
        guesser = client_of(app)
        for _ in range(100):
            assert await log_in(guesser, "alice", "guess") == WRONG
        assert await log_in(guesser, "alice", alice.password) == WRONG
    # 6 failures counted, the 6th locking; the 94 tried while locked cost the guesser nothing but time
    assert await redis.hget("fanreel:login:account:alice", "failures") == b"6"
    assert await redis.hget("fanreel:login:ip:203.0.113.1", "failures") == b"6"
