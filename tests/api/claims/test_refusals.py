"""Every refused claim move changes nothing (RULES §8)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.api.claims.conftest import DISPUTE, RESOLVE, World, claim_count, file_claim
from tests.helpers import GraphQLClient, create_character, create_user, create_video
from tests.views_factories import uuid_of


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def test_a_non_member_is_forbidden(client: GraphQLClient, db: asyncpg.Pool, world: World) -> None:
    stranger = await create_user(client)
    values = {"videoId": world.video_id, "characterId": world.character_id, "action": "ADD_LICENSE", "reason": "x"}
    from tests.api.claims.conftest import FILE

    result = await client.execute(FILE, {"input": values}, token=stranger.token)
    assert result.error_codes() == ["FORBIDDEN"]
    signed_out = await client.execute(FILE, {"input": values})
    assert signed_out.error_codes() == ["UNAUTHENTICATED"]
    assert await claim_count(db) == 0


async def test_a_second_open_claim_is_a_conflict(client: GraphQLClient, db: asyncpg.Pool, world: World) -> None:
    assert (await file_claim(client, world))["userErrors"] == []
    assert codes(await file_claim(client, world, "TAKE_DOWN")) == ["CONFLICT"]
    assert await claim_count(db) == 1


async def test_unpublished_or_licensed_videos_cannot_be_claimed(
    client: GraphQLClient, db: asyncpg.Pool, world: World
) -> None:
    draft = await create_video(client, db, world.creator, "another forest", publish=False)
    assert codes(await file_claim(client, world, videoId=draft)) == ["NOT_FOUND"]  # a draft is not visible to them
    licensed = await create_video(client, db, world.creator, "a tale", characterIds=[world.character_id])
    assert codes(await file_claim(client, world, videoId=licensed)) == ["CONFLICT"]
    second = await create_character(client, world.member, world.holder_id, "Nia Rook")
    async with db.acquire() as conn:
        await conn.execute("UPDATE videos SET status = 'TAKEN_DOWN' WHERE id = $1", uuid_of(licensed))
    # Its holder's members see a taken-down video: claiming it is a conflict, not a secret.
    assert codes(await file_claim(client, world, videoId=licensed, characterId=second)) == ["CONFLICT"]
    assert codes(await file_claim(client, world, reason="  ")) == ["INVALID"]
    assert codes(await file_claim(client, world, videoId="nope")) == ["NOT_FOUND"]
    assert await claim_count(db) == 0


async def test_disputes_by_others_or_late_are_refused(client: GraphQLClient, db: asyncpg.Pool, world: World) -> None:
    claim_id = (await file_claim(client, world))["claim"]["id"]
    by_member = await client.execute(
        DISPUTE, {"input": {"claimId": claim_id, "reason": "no"}}, token=world.member.token
    )
    assert by_member.error_codes() == ["FORBIDDEN"]
    stranger = await create_user(client)
    by_stranger = await client.execute(DISPUTE, {"input": {"claimId": claim_id, "reason": "no"}}, token=stranger.token)
    assert codes(by_stranger.data["disputeClaim"]) == ["NOT_FOUND"]  # they cannot see the claim at all
    # Resolving an OPEN claim is not the holder's move: it must wait for a dispute or the deadline.
    early = await client.execute(RESOLVE, {"input": {"claimId": claim_id, "uphold": True}}, token=world.member.token)
    assert codes(early.data["resolveClaim"]) == ["CONFLICT"]
    async with db.acquire() as conn:
        await conn.execute("UPDATE claims SET deadline = now() - interval '1 second'")
    late = await client.execute(DISPUTE, {"input": {"claimId": claim_id, "reason": "no"}}, token=world.creator.token)
    assert codes(late.data["disputeClaim"]) == ["CONFLICT"]
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT status, response, resolved_at FROM claims")
    assert (row["status"], row["response"], row["resolved_at"]) == ("OPEN", None, None)


async def test_a_resolve_by_a_member_of_another_holder_is_forbidden(
    client: GraphQLClient, db: asyncpg.Pool, world: World
) -> None:
    from tests.helpers import create_holder

    claim_id = (await file_claim(client, world))["claim"]["id"]
    await client.execute(DISPUTE, {"input": {"claimId": claim_id, "reason": "no"}}, token=world.creator.token)
    other = await create_user(client)
    other_holder = await create_holder(client, other, "Other Studio")
    other_character = await create_character(client, other, other_holder, "Marlo Fen")
    await create_video(client, db, world.creator, "a sea", characterIds=[other_character])
    result = await client.execute(RESOLVE, {"input": {"claimId": claim_id, "uphold": True}}, token=world.creator.token)
    assert result.error_codes() == ["FORBIDDEN"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM claims") == "DISPUTED"


@pytest.mark.parametrize("released", [4, 5])
async def test_the_abuse_brake(client: GraphQLClient, db: asyncpg.Pool, world: World, released: int) -> None:
    async with db.acquire() as conn:
        for day in range(released):
            await conn.execute(
                "INSERT INTO claims (kind, video_id, character_id, holder_id, filed_by, action, status, reason, "
                "views_from, created_at, resolved_at) VALUES ('MISSED_CHARACTER', $1, $2, $3, $4, 'TAKE_DOWN', "
                "'RELEASED', 'x', 0, now() - interval '20 days', now() - make_interval(days => $5))",
                uuid_of(world.video_id),
                uuid_of(world.character_id),
                uuid_of(world.holder_id),
                uuid_of(world.member.id),
                day + 1,
            )
    payload = await file_claim(client, world)
    if released == 5:
        assert codes(payload) == ["RATE_LIMITED"]
        assert await claim_count(db) == 5
    else:
        assert payload["userErrors"] == [] and await claim_count(db) == 5
