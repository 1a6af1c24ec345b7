"""A feed the viewer steers and search (RULES §10): modes, the rating limit, see-less and its undo
(cursors stay valid), searchVideos ranked with exact #hashtags."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.api.social.test_feeds import FEED, TRENDING, feed_statements, pages, recompute_trending
from tests.helpers import (
    PUBLISH_VIDEO,
    Account,
    GraphQLClient,
    create_character,
    create_holder,
    create_user,
    create_video,
)

FOLLOW = "mutation($id: ID!) { followUser(userId: $id) { userErrors { code } } }"
BLOCK = "mutation($id: ID!) { blockUser(userId: $id) { userErrors { code } } }"
SET = """
mutation($input: FeedPreferencesInput!) {
  setFeedPreferences(input: $input) { preferences { mode maxRating } userErrors { code field } }
}
"""
SEE_LESS = """
mutation($input: SeeLessInput!) {
  seeLess(input: $input) {
    preferences { seeLess { kind term node { id } } }
    userErrors { code field }
  }
}
"""
SEARCH = """
query($query: String!, $first: Int, $after: String) {
  searchVideos(query: $query, first: $first, after: $after) {
    edges { node { prompt } } pageInfo { hasNextPage endCursor }
  }
}
"""
PREFERENCES = "query { viewer { feedPreferences { mode maxRating seeLess { kind term } } } }"


async def search(client: GraphQLClient, query: str, token: str | None = None, first: int = 20) -> list[str]:
    prompts: list[str] = []
    after = None
    while True:
        variables = {"query": query, "first": first, "after": after}
        data = (await client.execute(SEARCH, variables, token=token)).data["searchVideos"]
        prompts += [edge["node"]["prompt"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return prompts
        after = data["pageInfo"]["endCursor"]


async def see_less(client: GraphQLClient, who: Account, **values: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.execute(SEE_LESS, {"input": values}, token=who.token)).data["seeLess"]
    return payload


async def test_each_feed_mode(client: GraphQLClient, db: asyncpg.Pool) -> None:
    fan = await create_user(client, handle="fan")
    friend = await create_user(client, handle="friend")
    stranger = await create_user(client, handle="stranger")
    await client.execute(FOLLOW, {"id": friend.id}, token=fan.token)
    await create_video(client, db, stranger, "stranger's video")
    await create_video(client, db, friend, "friend's video")
    await recompute_trending(db)

    assert await pages(client, FEED, "feed", fan.token, 1) == ["friend's video", "stranger's video"]
    following = (await client.execute(SET, {"input": {"mode": "FOLLOWING"}}, token=fan.token)).data
    assert following["setFeedPreferences"]["preferences"] == {"mode": "FOLLOWING", "maxRating": "R"}
    assert await pages(client, FEED, "feed", fan.token, 1) == ["friend's video"]
    await client.execute(SET, {"input": {"mode": "TRENDING"}}, token=fan.token)
    trending = await pages(client, TRENDING, "trending", fan.token, 5)
    assert await pages(client, FEED, "feed", fan.token, 1) == trending and len(trending) == 2
    await client.execute(SET, {"input": {"maxRating": "PG"}}, token=fan.token)  # the mode is kept
    data = (await client.execute(PREFERENCES, token=fan.token)).data["viewer"]["feedPreferences"]
    assert data == {"mode": "TRENDING", "maxRating": "PG", "seeLess": []}
    assert (await client.execute(SET, {"input": {"mode": "MIXED"}})).error_codes() == ["UNAUTHENTICATED"]


async def test_the_rating_limit_applies_to_feed_trending_and_search(client: GraphQLClient, db: asyncpg.Pool) -> None:
    fan = await create_user(client, handle="fan")
    maker = await create_user(client, handle="maker")
    await client.execute(FOLLOW, {"id": maker.id}, token=fan.token)
    await create_video(client, db, maker, "a gentle dance")
    await create_video(client, db, maker, "a wild dance")
    await db.execute("UPDATE videos SET rating = 'PG13' WHERE prompt = 'a wild dance'")
    await recompute_trending(db)
    everything = ["a wild dance", "a gentle dance"]
    assert sorted(await search(client, "dance", fan.token)) == sorted(everything)

    await client.execute(SET, {"input": {"maxRating": "PG"}}, token=fan.token)
    assert await pages(client, FEED, "feed", fan.token, 1) == ["a gentle dance"]
    assert await pages(client, TRENDING, "trending", fan.token, 1) == ["a gentle dance"]
    assert await search(client, "dance", fan.token) == ["a gentle dance"]
    assert sorted(await search(client, "dance")) == sorted(everything)  # signed out: no limit


async def test_see_less_of_creator_character_and_term_and_its_undo(client: GraphQLClient, db: asyncpg.Pool) -> None:
    fan = await create_user(client, handle="fan")
    maker = await create_user(client, handle="maker")
    ava = await create_user(client, handle="ava")
    nova = await create_character(client, ava, await create_holder(client, ava), "Nova")
    prompts = ["Nova on a beach", "maker's beach", "dancing cats on a beach", "a beach at noon"]
    for prompt in prompts:
        await create_video(client, db, maker if prompt == "maker's beach" else ava, prompt)
    await recompute_trending(db)
    everything = await pages(client, TRENDING, "trending", fan.token, 2)
    assert sorted(everything) == sorted(prompts)

    # A see-less taken while paging: the cursor stays valid and the rest leaves the video out.
    first = (await client.execute(TRENDING, {"first": 1}, token=fan.token)).data["trending"]
    hidden = next(p for p in everything[1:] if p != "a beach at noon")
    subject = {"Nova on a beach": {"kind": "CHARACTER", "subjectId": nova},
               "maker's beach": {"kind": "CREATOR", "subjectId": maker.id},
               "dancing cats on a beach": {"kind": "TERM", "term": "Dancing Cat"}}[hidden]  # fmt: skip
    assert (await see_less(client, fan, **subject))["userErrors"] == []
    after = {"first": 10, "after": first["pageInfo"]["endCursor"]}
    rest = (await client.execute(TRENDING, after, token=fan.token)).data["trending"]["edges"]
    assert [e["node"]["prompt"] for e in rest] == [p for p in everything[1:] if p != hidden]

    await see_less(client, fan, kind="CHARACTER", subjectId=nova)
    await see_less(client, fan, kind="CREATOR", subjectId=maker.id)
    entries = (await see_less(client, fan, kind="TERM", term="Dancing Cat"))["preferences"]["seeLess"]
    assert sorted((e["kind"], e["term"], e["node"] and e["node"]["id"]) for e in entries) == [
        ("CHARACTER", None, nova),
        ("CREATOR", None, maker.id),
        ("TERM", "dancing cat", None),
    ]
    for document, name in [(FEED, "feed"), (TRENDING, "trending")]:
        assert await pages(client, document, name, fan.token, 1) == ["a beach at noon"]
    assert await search(client, "beach", fan.token) == ["a beach at noon"]

    await see_less(client, fan, kind="TERM", term="dancing  CAT", undo=True)
    await see_less(client, fan, kind="CREATOR", subjectId=maker.id, undo=True)
    assert sorted(await search(client, "beach", fan.token)) == sorted(p for p in prompts if p != "Nova on a beach")


async def test_see_less_refusals_change_nothing(client: GraphQLClient, db: asyncpg.Pool) -> None:
    fan = await create_user(client, handle="fan")
    for values, code, field in [
        ({"kind": "TERM", "term": "the"}, "INVALID", ["input", "term"]),
        ({"kind": "TERM", "term": "  "}, "INVALID", ["input", "term"]),
        ({"kind": "TERM", "term": "cats", "subjectId": fan.id}, "INVALID", ["input", "subjectId"]),
        ({"kind": "CREATOR", "subjectId": "VXNlcjox"}, "NOT_FOUND", ["input", "subjectId"]),
        ({"kind": "CHARACTER", "subjectId": fan.id}, "NOT_FOUND", ["input", "subjectId"]),
        ({"kind": "CREATOR", "subjectId": fan.id, "term": "x"}, "INVALID", ["input", "term"]),
    ]:
        assert (await see_less(client, fan, **values))["userErrors"] == [{"code": code, "field": field}]
    signed_out = await client.execute(SEE_LESS, {"input": {"kind": "TERM", "term": "cats"}})
    assert signed_out.error_codes() == ["UNAUTHENTICATED"]
    assert await db.fetchval("SELECT count(*) FROM see_less") == 0


async def test_search_ranks_matches_and_hashtags_match_exactly(client: GraphQLClient, db: asyncpg.Pool) -> None:
    maker = await create_user(client, handle="maker")
    for prompt, caption in [
        ("a cat", None),
        ("cats chasing cats and a cat", None),
        ("a dog", "my #cats"),
        ("a fox", "#catsofinstagram"),
        ("a bird", None),
    ]:
        video = await create_video(client, db, maker, prompt, publish=False)
        await client.execute(PUBLISH_VIDEO, {"id": video, "caption": caption}, token=maker.token)
    await create_video(client, db, maker, "an unpublished cat", publish=False)

    best, *rest = await search(client, "Cats")  # "a cat" and "a dog" (caption "my #cats") tie
    assert best == "cats chasing cats and a cat" and sorted(rest) == ["a cat", "a dog"]
    assert await search(client, "#cats") == ["a dog"]
    assert await search(client, "#CATS dog") == ["a dog"]
    assert await search(client, "#cat") == []
    assert await search(client, "the") == await search(client, "") == []
    # Keyset pages of one give the same order as one page.
    assert await search(client, "cat", first=1) == await search(client, "cat")


@pytest.mark.timeout(300)
async def test_a_steered_feed_page_costs_the_same_statements_whatever_its_size(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    fan = await create_user(client, handle="fan")
    makers = [await create_user(client, handle=f"maker{n}") for n in range(6)]
    for maker in makers:
        await client.execute(FOLLOW, {"id": maker.id}, token=fan.token)
    await client.execute(BLOCK, {"id": makers[3].id}, token=fan.token)
    await see_less(client, fan, kind="CREATOR", subjectId=makers[2].id)
    await see_less(client, fan, kind="TERM", term="sunset")
    await client.execute(SET, {"input": {"maxRating": "PG13"}}, token=fan.token)
    for n in range(120):
        await create_video(client, db, makers[n % 6], f"a {'sunset' if n % 6 == 1 else 'scene'}, take {n}")
    await recompute_trending(db)
    small, large = await feed_statements(client, fan, 5), await feed_statements(client, fan, 50)
    assert small == large <= 6


async def test_followed_part_skips_any_run_of_hidden_videos_at_every_page_size(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    """The followed part checks a video's own filters only on the candidates it walks; a followed
    creator or character whose newest videos are all hidden (more of them than a page) must still
    show its older ones, in order, on every page size."""
    from tests.api.social.test_feeds import FOLLOW_CHARACTER

    fan = await create_user(client, handle="fan")
    keen, calm, pest = [await create_user(client, handle=h) for h in ("keen", "calm", "pest")]
    nova = await create_character(client, calm, await create_holder(client, calm), "Nova")
    for followed in (keen, calm):
        await client.execute(FOLLOW, {"id": followed.id}, token=fan.token)
    await client.execute(FOLLOW_CHARACTER, {"id": nova}, token=fan.token)
    await client.execute(BLOCK, {"id": pest.id}, token=fan.token)
    await see_less(client, fan, kind="TERM", term="sunset")
    await client.execute(SET, {"input": {"mode": "FOLLOWING"}}, token=fan.token)
    made = [
        (calm, "calm, take 0"),
        (keen, "keen, take 1"),
        (calm, "Nova by calm, take 2"),
        *((keen, f"keen at sunset, take {n}") for n in range(3, 10)),
        (keen, "keen, take 10"),
        *((pest, f"Nova by pest, take {n}") for n in range(11, 18)),
        (calm, "calm, take 18"),
    ]
    for who, prompt in made:
        await create_video(client, db, who, prompt)
    shown = [p for who, p in reversed(made) if who is not pest and "sunset" not in p]
    for size in (1, 2, 3, 5, 20):
        assert await pages(client, FEED, "feed", fan.token, size) == shown, size
