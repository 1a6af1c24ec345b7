"""Appeals of takedowns and rejections (RULES §8): released → back, expired → back, upheld → stays."""

from __future__ import annotations

from typing import Any

import asyncpg
from arq.connections import ArqRedis

from settings import Settings
from tests.api.claims.conftest import APPEAL, RESOLVE, claim_count, run_worker
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, create_video

TAKE_DOWN = """
mutation TakeDown($input: TakeDownVideoInput!) { takeDownVideo(input: $input) { video { status } userErrors { code } } }
"""
REVIEW = """
mutation Review($input: ReviewVideoInput!) { reviewVideo(input: $input) { video { status } userErrors { code } } }
"""
STATUS = "query($id: ID!) { node(id: $id) { ... on Video { status claims { kind status } } } }"


async def setup(client: GraphQLClient, db: asyncpg.Pool, *, review: bool) -> tuple[Account, Account, str, str]:
    member, creator = await create_user(client), await create_user(client)
    holder = await create_holder(client, member)
    character = await create_character(client, member, holder, "Bolt", requiresReview=review)
    video = await create_video(client, db, creator, "Bolt at sea", characterIds=[character])
    return member, creator, character, video


async def appeal(client: GraphQLClient, creator: Account, video: str) -> dict[str, Any]:
    result = await client.execute(APPEAL, {"input": {"videoId": video, "reason": "Parody"}}, token=creator.token)
    payload: dict[str, Any] = result.data["appeal"]
    return payload


async def status(client: GraphQLClient, token: str, video: str) -> dict[str, Any]:
    node: dict[str, Any] = (await client.execute(STATUS, {"id": video}, token=token)).data["node"]
    return node


async def test_an_appeal_of_a_takedown_released_republishes(client: GraphQLClient, db: asyncpg.Pool) -> None:
    member, creator, character, video = await setup(client, db, review=False)
    # Nothing to appeal while published.
    assert [e["code"] for e in (await appeal(client, creator, video))["userErrors"]] == ["CONFLICT"]
    down = await client.execute(
        TAKE_DOWN, {"input": {"videoId": video, "characterId": character, "reason": "no"}}, token=member.token
    )
    assert down.data["takeDownVideo"]["video"]["status"] == "TAKEN_DOWN"
    stranger = await create_user(client)
    not_theirs = await client.execute(APPEAL, {"input": {"videoId": video, "reason": "x"}}, token=stranger.token)
    assert [e["code"] for e in not_theirs.data["appeal"]["userErrors"]] == ["NOT_FOUND"]
    by_member = await client.execute(APPEAL, {"input": {"videoId": video, "reason": "x"}}, token=member.token)
    assert by_member.error_codes() == ["FORBIDDEN"]
    assert await claim_count(db) == 0

    filed = await appeal(client, creator, video)
    assert filed["userErrors"] == []
    assert (filed["claim"]["kind"], filed["claim"]["status"]) == ("APPEAL", "OPEN")
    assert [e["code"] for e in (await appeal(client, creator, video))["userErrors"]] == ["CONFLICT"]  # once
    claim_id = filed["claim"]["id"]
    by_creator = await client.execute(RESOLVE, {"input": {"claimId": claim_id, "uphold": False}}, token=creator.token)
    assert by_creator.error_codes() == ["FORBIDDEN"]
    released = await client.execute(RESOLVE, {"input": {"claimId": claim_id, "uphold": False}}, token=member.token)
    assert released.data["resolveClaim"]["claim"]["status"] == "RELEASED"
    assert await status(client, creator.token, video) == {
        "status": "PUBLISHED",
        "claims": [{"kind": "APPEAL", "status": "RELEASED"}],
    }


async def test_an_upheld_appeal_leaves_the_video_down(client: GraphQLClient, db: asyncpg.Pool) -> None:
    member, creator, character, video = await setup(client, db, review=False)
    await client.execute(
        TAKE_DOWN, {"input": {"videoId": video, "characterId": character, "reason": "no"}}, token=member.token
    )
    claim_id = (await appeal(client, creator, video))["claim"]["id"]
    upheld = await client.execute(RESOLVE, {"input": {"claimId": claim_id, "uphold": True}}, token=member.token)
    assert upheld.data["resolveClaim"]["claim"]["status"] == "UPHELD"
    assert (await status(client, creator.token, video))["status"] == "TAKEN_DOWN"


async def test_an_appeal_of_a_rejection_expires_back_to_draft(
    client: GraphQLClient, db: asyncpg.Pool, settings: Settings, arq_redis: ArqRedis
) -> None:
    member, creator, character, video = await setup(client, db, review=True)
    assert (await status(client, creator.token, video))["status"] == "PENDING_REVIEW"
    rejected = await client.execute(
        REVIEW, {"input": {"videoId": video, "characterId": character, "decision": "REJECT"}}, token=member.token
    )
    assert rejected.data["reviewVideo"]["video"]["status"] == "REJECTED"
    claim_id = (await appeal(client, creator, video))["claim"]["id"]
    await run_worker(settings, days_later=15, enqueue=arq_redis)
    assert await status(client, creator.token, video) == {
        "status": "DRAFT",
        "claims": [{"kind": "APPEAL", "status": "EXPIRED"}],
    }
    inbox = await client.execute("{ viewer { activity { edges { node { kind } } } } }", token=member.token)
    assert "APPEAL_FILED" in [e["node"]["kind"] for e in inbox.data["viewer"]["activity"]["edges"]]
    assert claim_id
