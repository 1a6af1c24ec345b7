"""Publishing, holder review, takedown and the restrict sweep: every transition and refusal."""

from __future__ import annotations

import asyncpg
import pytest

from api.characters import mutations as character_mutations
from tests.helpers import (
    PUBLISH_VIDEO,
    GraphQLClient,
    create_character,
    create_holder,
    create_user,
    create_video,
    policy,
)

REVIEW = """
mutation Review($input: ReviewVideoInput!) {
  reviewVideo(input: $input) { video { status statusReason licenses { review reviewNote } } userErrors { field code } }
}
"""
TAKE_DOWN = """
mutation TakeDown($input: TakeDownVideoInput!) {
  takeDownVideo(input: $input) { video { status statusReason } userErrors { field code } }
}
"""
QUEUE = """
query Queue($id: ID!) { node(id: $id) { ... on Holder { reviewQueue(first: 10) { edges { node { id } } } } } }
"""
PUBLISH_POLICY = """
mutation Publish($input: PublishPolicyInput!) { publishPolicy(input: $input) { takenDown userErrors { code } } }
"""
STATUS = "query($id: ID!) { node(id: $id) { ... on Video { status statusReason publishedAt } } }"


async def test_publish_without_review(client: GraphQLClient, db: asyncpg.Pool) -> None:
    fan = await create_user(client, handle="fan")
    video = await create_video(client, db, fan, publish=False)
    result = (await client.execute(PUBLISH_VIDEO, {"id": video, "caption": "hi"}, token=fan.token)).data["publishVideo"]
    assert result == {"video": {"id": video, "status": "PUBLISHED"}, "userErrors": []}
    again = (await client.execute(PUBLISH_VIDEO, {"id": video}, token=fan.token)).data["publishVideo"]
    assert [e["code"] for e in again["userErrors"]] == ["CONFLICT"]
    stranger = await create_user(client, handle="stranger")
    assert (await client.execute(PUBLISH_VIDEO, {"id": video}, token=stranger.token)).error_codes() == ["FORBIDDEN"]
    assert (await client.execute(PUBLISH_VIDEO, {"id": "garbage"}, token=fan.token)).data["publishVideo"]["userErrors"][
        0
    ]["code"] == "NOT_FOUND"


async def test_review_flow_all_approvals_publish(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    raj = await create_user(client, handle="raj")
    north = await create_holder(client, ava, "Northwind")
    pixel = await create_holder(client, raj, "Pixel Fable")
    bolt = await create_character(client, ava, north, "Bolt", requiresReview=True)
    pip = await create_character(client, raj, pixel, "Pip", requiresReview=True)
    fan = await create_user(client, handle="fan")
    video = await create_video(client, db, fan, "Bolt and Pip have tea", publish=False)
    published = (await client.execute(PUBLISH_VIDEO, {"id": video}, token=fan.token)).data["publishVideo"]
    assert published["video"]["status"] == "PENDING_REVIEW"
    for holder, member in ((north, ava), (pixel, raj)):
        queue = (await client.execute(QUEUE, {"id": holder}, token=member.token)).data["node"]["reviewQueue"]
        assert queue["edges"] == [{"node": {"id": video}}]
    assert (await client.execute(QUEUE, {"id": north}, token=fan.token)).error_codes() == ["FORBIDDEN"]

    approve = {"videoId": video, "characterId": bolt, "decision": "APPROVE"}
    forbidden = await client.execute(REVIEW, {"input": approve}, token=raj.token)
    assert forbidden.error_codes() == ["FORBIDDEN"]  # raj is not a member of Bolt's holder
    first = (await client.execute(REVIEW, {"input": approve}, token=ava.token)).data["reviewVideo"]
    assert first["video"]["status"] == "PENDING_REVIEW"
    twice = (await client.execute(REVIEW, {"input": approve}, token=ava.token)).data["reviewVideo"]
    assert [e["code"] for e in twice["userErrors"]] == ["CONFLICT"]
    second = {"videoId": video, "characterId": pip, "decision": "APPROVE"}
    done = (await client.execute(REVIEW, {"input": second}, token=raj.token)).data["reviewVideo"]
    assert done["video"]["status"] == "PUBLISHED"
    assert (await client.execute(QUEUE, {"id": north}, token=ava.token)).data["node"]["reviewQueue"]["edges"] == []


async def test_any_rejection_rejects_with_the_note(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    north = await create_holder(client, ava)
    bolt = await create_character(client, ava, north, "Bolt", requiresReview=True)
    fan = await create_user(client, handle="fan")
    video = await create_video(client, db, fan, "Bolt dances", publish=False)
    await client.execute(PUBLISH_VIDEO, {"id": video}, token=fan.token)
    reject = {"videoId": video, "characterId": bolt, "decision": "REJECT", "note": "Off-brand"}
    result = (await client.execute(REVIEW, {"input": reject}, token=ava.token)).data["reviewVideo"]
    assert result["video"]["status"] == "REJECTED" and result["video"]["statusReason"] == "Off-brand"
    assert result["video"]["licenses"] == [{"review": "REJECTED", "reviewNote": "Off-brand"}]


async def test_review_of_a_character_not_in_the_video(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    north = await create_holder(client, ava)
    await create_character(client, ava, north, "Bolt", requiresReview=True)
    other = await create_character(client, ava, north, "Nova")
    fan = await create_user(client, handle="fan")
    video = await create_video(client, db, fan, "Bolt dances", publish=False)
    await client.execute(PUBLISH_VIDEO, {"id": video}, token=fan.token)
    wrong = {"videoId": video, "characterId": other, "decision": "APPROVE"}
    result = (await client.execute(REVIEW, {"input": wrong}, token=ava.token)).data["reviewVideo"]
    assert [e["code"] for e in result["userErrors"]] == ["NOT_FOUND"]


async def test_take_down_by_a_member(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    north = await create_holder(client, ava)
    bolt = await create_character(client, ava, north, "Bolt")
    fan = await create_user(client, handle="fan")
    video = await create_video(client, db, fan, "Bolt dances")
    take_down = {"videoId": video, "characterId": bolt, "reason": "Trademark misuse"}
    assert (await client.execute(TAKE_DOWN, {"input": take_down}, token=fan.token)).error_codes() == ["FORBIDDEN"]
    result = (await client.execute(TAKE_DOWN, {"input": take_down}, token=ava.token)).data["takeDownVideo"]
    assert result["video"] == {"status": "TAKEN_DOWN", "statusReason": "Trademark misuse"}
    again = (await client.execute(TAKE_DOWN, {"input": take_down}, token=ava.token)).data["takeDownVideo"]
    assert [e["code"] for e in again["userErrors"]] == ["CONFLICT"]
    assert await db.fetchval("SELECT unpublished_at IS NOT NULL FROM videos")


async def restrict_setup(client: GraphQLClient, db: asyncpg.Pool) -> tuple[object, str, list[str], list[str]]:
    ava = await create_user(client, handle="ava")
    north = await create_holder(client, ava)
    bolt = await create_character(client, ava, north, "Bolt")
    fan = await create_user(client, handle="fan")
    violent = [await create_video(client, db, fan, f"Bolt in a gun fight {n}") for n in range(3)]
    calm = [await create_video(client, db, fan, f"Bolt waters flowers {n}") for n in range(2)]
    return ava, bolt, violent, calm


@pytest.mark.parametrize(("on_restrict", "expected"), [("TAKE_DOWN", 3), ("KEEP", 0)])
async def test_restrict_sweep(client: GraphQLClient, db: asyncpg.Pool, on_restrict: str, expected: int) -> None:
    ava, bolt, violent, calm = await restrict_setup(client, db)
    stricter = {"characterId": bolt, "policy": policy(maxRating="PG", onRestrict=on_restrict)}
    result = (await client.execute(PUBLISH_POLICY, {"input": stricter}, token=ava.token)).data["publishPolicy"]  # type: ignore[attr-defined]
    assert result == {"takenDown": expected, "userErrors": []}
    statuses = {v: (await client.execute(STATUS, {"id": v}, token=ava.token)).data["node"] for v in violent + calm}  # type: ignore[attr-defined]
    taken = [v for v, s in statuses.items() if s["status"] == "TAKEN_DOWN"]
    assert sorted(taken) == (sorted(violent) if expected else [])
    if expected:
        assert "version 2" in statuses[violent[0]]["statusReason"]


async def test_restrict_sweep_of_many_videos_runs_in_a_worker(
    client: GraphQLClient, db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    from workers.settings import worker_settings
    from workers.worker import Worker

    ava, bolt, violent, _ = await restrict_setup(client, db)
    monkeypatch.setattr(character_mutations, "SWEEP_INLINE_LIMIT", 2)
    stricter = {"characterId": bolt, "policy": policy(maxRating="PG", onRestrict="TAKE_DOWN")}
    result = (await client.execute(PUBLISH_POLICY, {"input": stricter}, token=ava.token)).data["publishPolicy"]  # type: ignore[attr-defined]
    assert result == {"takenDown": None, "userErrors": []}
    worker = Worker(**worker_settings(settings), burst=True, handle_signals=False)  # type: ignore[arg-type]
    try:
        await worker.main()
    finally:
        await worker.close()
    assert await db.fetchval("SELECT count(*) FROM videos WHERE status = 'TAKEN_DOWN'") == len(violent)
