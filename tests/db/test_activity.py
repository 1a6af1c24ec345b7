"""Recording activity on real PostgreSQL and announcing it on real Redis: who gets a row, in one
statement, inside the caller's transaction; publish reaches every inbox and character channel."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from redis.asyncio import Redis

from db.queries import activity, holders, users
from domain.activity import FOLLOWER_KINDS, ActivityKind
from domain.policy import HolderKind
from workers import keys

pytestmark = pytest.mark.usefixtures("clean_state")
_n = itertools.count(1)


async def new_user(conn: asyncpg.Connection) -> UUID:
    n = next(_n)
    user = await users.insert_user(
        conn, handle=f"act{n}", display_name=f"Act {n}", email=f"act{n}@example.com", password_hash="x"
    )
    return user.id


async def new_character(conn: asyncpg.Connection, *members: UUID) -> UUID:
    holder = await holders.insert_holder(conn, name=f"Studio {next(_n)}", kind=HolderKind.ORGANIZATION)
    for member in members:
        await holders.add_member(conn, holder_id=holder.id, user_id=member, added_by=None)
    character_id: UUID = await conn.fetchval(
        "INSERT INTO characters (holder_id, name, kind) VALUES ($1, $2, 'FICTIONAL') RETURNING id",
        holder.id,
        f"Hero {next(_n)}",
    )
    return character_id


async def follow(conn: asyncpg.Connection, character_id: UUID, *user_ids: UUID) -> None:
    await conn.executemany(
        "INSERT INTO character_follows (character_id, user_id) VALUES ($1, $2)", [(character_id, u) for u in user_ids]
    )


async def rows_of(conn: asyncpg.Connection, event: activity.Event) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch("SELECT * FROM activities WHERE event_id = $1", event.id)
    return rows


async def test_record_fans_out_once_per_distinct_recipient_and_never_to_the_actor(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator, member, other_member, follower, actor = [await new_user(conn) for _ in range(5)]
        hero = await new_character(conn, member, other_member, actor)
        sidekick = await new_character(conn, member)
        await follow(conn, hero, follower, member, creator, actor)

        event = await activity.record(
            conn,
            kind=ActivityKind.VIDEO_PUBLISHED,
            actor_id=actor,
            character_id=sidekick,
            users=[creator, creator, member],
            members_of_holders_of=[hero, sidekick],
            followers_of=[hero],
        )

        rows = await rows_of(conn, event)
    assert sorted(event.recipient_ids) == sorted([creator, member, other_member, follower])
    assert sorted(row["recipient_id"] for row in rows) == sorted(event.recipient_ids)
    assert event.character_ids == (hero, sidekick)
    assert {row["kind"] for row in rows} == {"VIDEO_PUBLISHED"}
    assert {row["actor_id"] for row in rows} == {actor}
    assert {row["character_id"] for row in rows} == {sidekick}
    assert len({row["created_at"] for row in rows}) == 1
    assert all(row["read_at"] is None for row in rows)


@pytest.mark.parametrize("kind", list(ActivityKind))
async def test_followers_are_reached_only_by_published_videos_and_policies(
    db_pool: asyncpg.Pool, kind: ActivityKind
) -> None:
    async with db_pool.acquire() as conn:
        member, follower = await new_user(conn), await new_user(conn)
        hero = await new_character(conn, member)
        await follow(conn, hero, follower)

        event = await activity.record(conn, kind=kind, members_of_holders_of=[hero], followers_of=[hero])

    expected = {member, follower} if kind in FOLLOWER_KINDS else {member}
    assert set(event.recipient_ids) == expected
    assert event.character_ids == (hero,)


async def test_a_million_followers_would_still_be_one_statement(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        hero = await new_character(conn)
        await conn.execute(
            "INSERT INTO users (handle, display_name, email, password_hash) "
            "SELECT 'fan' || i, 'Fan', 'fan' || i || '@example.com', 'x' FROM generate_series(1, 3000) i"
        )
        await conn.execute("INSERT INTO character_follows (character_id, user_id) SELECT $1, id FROM users", hero)
        statements: list[str] = []

        def log(query: Any) -> None:
            statements.append(query.query)

        conn.add_query_logger(log)
        try:
            event = await activity.record(
                conn, kind=ActivityKind.POLICY_PUBLISHED, character_id=hero, followers_of=[hero]
            )
        finally:
            conn.remove_query_logger(log)
        assert await conn.fetchval("SELECT count(*) FROM activities WHERE event_id = $1", event.id) == 3000
    assert len(statements) == 1
    assert len(event.recipient_ids) == 3000


async def test_nobody_gets_a_row_when_the_callers_transaction_rolls_back(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        creator = await new_user(conn)

        class Abort(Exception):
            pass

        with pytest.raises(Abort):
            async with conn.transaction():
                await activity.record(conn, kind=ActivityKind.VIDEO_DRAFTED, users=[creator])
                raise Abort
        assert await conn.fetchval("SELECT count(*) FROM activities") == 0


async def test_publish_after_commit_reaches_every_inbox_and_character_channel(
    db_pool: asyncpg.Pool, redis: Redis
) -> None:
    async with db_pool.acquire() as conn:
        creator, member = await new_user(conn), await new_user(conn)
        hero = await new_character(conn, member)
    channels = [
        keys.activity_inbox_channel(creator),
        keys.activity_inbox_channel(member),
        keys.character_activity_channel(hero),
    ]
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(*channels)
        async with db_pool.acquire() as conn, conn.transaction():
            event = await activity.record(
                conn, kind=ActivityKind.VIDEO_REJECTED, users=[creator], members_of_holders_of=[hero]
            )
        await activity.publish(redis, event)

        received = await messages(pubsub, 3)
        async with db_pool.acquire() as conn:  # what a subscriber does next: its row is committed
            row = await activity.activity_of_event(conn, event_id=event.id, recipient_id=member)
    assert sorted(received) == sorted((channel, activity.announcement(event)) for channel in channels)
    assert activity.parse_announcement(received[0][1]) == (event.id, ActivityKind.VIDEO_REJECTED)
    assert row is not None and row.kind is ActivityKind.VIDEO_REJECTED


async def test_an_event_that_reached_nobody_is_not_announced(db_pool: asyncpg.Pool, redis: Redis) -> None:
    async with db_pool.acquire() as conn:
        hero = await new_character(conn)  # no members, no followers
        event = await activity.record(conn, kind=ActivityKind.POLICY_PUBLISHED, character_id=hero, followers_of=[hero])
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(keys.character_activity_channel(hero))
        await activity.publish(redis, event)
        await redis.publish(keys.character_activity_channel(hero), "sentinel")
        assert await messages(pubsub, 1) == [(keys.character_activity_channel(hero), "sentinel")]
    assert event.recipient_ids == ()


async def messages(pubsub: Any, count: int) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    async def collect() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                found.append((message["channel"].decode(), message["data"].decode()))
                if len(found) == count:
                    return

    await asyncio.wait_for(collect(), 10)
    return found
