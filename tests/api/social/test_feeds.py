"""Feeds: followed then trending, stable cursors while videos arrive, visibility everywhere, and a
constant number of SQL statements per page."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from api.ids import decode_id
from db.queries import feed
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, create_video
from tests.sql_counter import counting
from workers.trending import recompute

FEED = """
query Feed($first: Int, $after: String) {
  feed(first: $first, after: $after) { edges { cursor node { id prompt } } pageInfo { hasNextPage endCursor } }
}
"""
TRENDING = """
query Trending($first: Int, $after: String) {
  trending(first: $first, after: $after) { edges { node { prompt } } pageInfo { hasNextPage endCursor } }
}
"""
FOLLOW = "mutation($id: ID!) { followUser(userId: $id) { userErrors { code } } }"
FOLLOW_CHARACTER = "mutation($id: ID!) { followCharacter(characterId: $id) { userErrors { code } } }"
LIKE = "mutation($id: ID!) { likeVideo(videoId: $id) { userErrors { code } } }"
RICH_FEED = """
query Feed($first: Int) {
  feed(first: $first) { edges { node {
    id prompt status likeCount commentCount remixCount viewerHasLiked createdAt
    creator { handle followerCount }
    characters { name holder { name } policy { version maxRating } }
    licenses { policyVersion revenueShareBps review }
    media { url }
  } } }
}
"""


async def pages(client: GraphQLClient, document: str, name: str, token: str | None, size: int) -> list[str]:
    prompts: list[str] = []
    after = None
    while True:
        data = (await client.execute(document, {"first": size, "after": after}, token=token)).data[name]
        prompts += [edge["node"]["prompt"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return prompts
        after = data["pageInfo"]["endCursor"]


async def recompute_trending(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await recompute(conn)


async def test_feed_is_followed_newest_first_then_trending(client: GraphQLClient, db: asyncpg.Pool) -> None:
    fan = await create_user(client, handle="fan")
    friend = await create_user(client, handle="friend")
    stranger = await create_user(client, handle="stranger")
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    nova = await create_character(client, ava, holder, "Nova")
    await client.execute(FOLLOW, {"id": friend.id}, token=fan.token)
    await client.execute(FOLLOW_CHARACTER, {"id": nova}, token=fan.token)
    await create_video(client, db, friend, "friend one")
    await create_video(client, db, stranger, "Nova by a stranger")
    await create_video(client, db, friend, "friend two")
    popular = await create_video(client, db, stranger, "popular stranger video")
    await create_video(client, db, stranger, "quiet stranger video")
    await client.execute(LIKE, {"id": popular}, token=friend.token)
    await recompute_trending(db)

    feed = await pages(client, FEED, "feed", fan.token, size=2)
    assert feed[:3] == ["friend two", "Nova by a stranger", "friend one"]
    assert feed[3:] == ["popular stranger video", "quiet stranger video"]  # trending, without repeats
    signed_out = await pages(client, FEED, "feed", None, size=2)
    assert signed_out[0] == "popular stranger video" and len(signed_out) == 5
    assert await pages(client, TRENDING, "trending", None, size=3) == signed_out


# What the followed part must be, read the obvious way (a scan of every published video).
FOLLOWED_BY_SCAN = """
SELECT v.published_at, v.id FROM videos v
WHERE v.status = 'PUBLISHED' AND (
    v.creator_id IN (SELECT followee_id FROM user_follows WHERE follower_id = $1)
    OR v.id IN (SELECT l.video_id FROM video_licenses l JOIN character_follows cf
                ON cf.character_id = l.character_id WHERE cf.user_id = $1))
ORDER BY v.published_at DESC, v.id DESC
"""
DELETE = "mutation($id: ID!) { deleteVideo(videoId: $id) { userErrors { code } } }"


async def test_followed_part_pages_through_every_followed_video_once(client: GraphQLClient, db: asyncpg.Pool) -> None:
    fan = await create_user(client, handle="fan")
    friend = await create_user(client, handle="friend")
    stranger = await create_user(client, handle="stranger")
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await client.execute(FOLLOW, {"id": friend.id}, token=fan.token)
    for name in ("Nova", "Bolt"):
        character = await create_character(client, ava, holder, name)
        await client.execute(FOLLOW_CHARACTER, {"id": character}, token=fan.token)
    for n in range(3):
        await create_video(client, db, friend, f"friend {n}")
        await create_video(client, db, friend, f"Nova by the friend {n}")  # followed twice over
        await create_video(client, db, stranger, f"Nova and Bolt by a stranger {n}")  # two followed characters
        await create_video(client, db, stranger, f"stranger {n}")
    await create_video(client, db, friend, "Nova draft by the friend", publish=False)
    deleted = await create_video(client, db, stranger, "Nova, soon deleted")
    assert (await client.execute(DELETE, {"id": deleted}, token=stranger.token)).errors == []
    viewer_id = decode_id(fan.id, "User")

    seen: list[tuple[Any, ...]] = []
    after = None
    while True:
        async with db.acquire() as conn:
            read = await feed.feed(conn, viewer_id=viewer_id, followed_after=after, trending_after=None, limit=4)
        page = [keys for _, keys in read.rows if keys[0] == "f"]
        seen += page
        if len(page) < 4:
            break
        after = (page[-1][1], page[-1][2])
    expected = [("f", at, video_id) for at, video_id in await db.fetch(FOLLOWED_BY_SCAN, viewer_id)]
    assert len(expected) == 9
    assert seen == expected  # newest first, no duplicates, no gaps, nothing unpublished


CHARACTER_VIDEOS = """
query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Character {
  videos(first: $first, after: $after) { edges { node { prompt } } pageInfo { hasNextPage endCursor } } } } }
"""


async def test_a_characters_videos_page_newest_first_through_published_ones_only(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    ava = await create_user(client, handle="ava")
    maker = await create_user(client, handle="maker")
    holder = await create_holder(client, ava)
    nova = await create_character(client, ava, holder, "Nova")
    await create_character(client, ava, holder, "Bolt")
    for n in range(5):
        await create_video(client, db, maker, f"Nova {n}")
        await create_video(client, db, maker, f"Bolt {n}")  # another character's
    await create_video(client, db, maker, "Nova draft", publish=False)
    deleted = await create_video(client, db, maker, "Nova, soon deleted")
    assert (await client.execute(DELETE, {"id": deleted}, token=maker.token)).errors == []

    prompts: list[str] = []
    after = None
    while True:
        variables = {"id": nova, "first": 2, "after": after}
        videos = (await client.execute(CHARACTER_VIDEOS, variables)).data["node"]["videos"]
        prompts += [edge["node"]["prompt"] for edge in videos["edges"]]
        if not videos["pageInfo"]["hasNextPage"]:
            break
        after = videos["pageInfo"]["endCursor"]
    assert prompts == [f"Nova {n}" for n in reversed(range(5))]


async def test_cursors_stay_stable_while_new_videos_arrive(client: GraphQLClient, db: asyncpg.Pool) -> None:
    fan = await create_user(client, handle="fan")
    friend = await create_user(client, handle="friend")
    await client.execute(FOLLOW, {"id": friend.id}, token=fan.token)
    for n in range(6):
        await create_video(client, db, friend, f"video {n}")
    await recompute_trending(db)
    first = (await client.execute(FEED, {"first": 3}, token=fan.token)).data["feed"]
    seen = [edge["node"]["prompt"] for edge in first["edges"]]
    for n in range(6, 9):  # new videos (and a new trending snapshot) while the client pages
        await create_video(client, db, friend, f"video {n}")
    await recompute_trending(db)
    after = first["pageInfo"]["endCursor"]
    while after:
        page = (await client.execute(FEED, {"first": 3, "after": after}, token=fan.token)).data["feed"]
        seen += [edge["node"]["prompt"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    followed = seen[:6]
    assert followed == [f"video {n}" for n in range(5, -1, -1)]  # no duplicates, no gaps
    assert len(seen) == len(set(seen))


async def test_unpublished_videos_are_seen_only_by_creator_and_holder_members(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    nova = await create_character(client, ava, holder, "Nova")
    creator = await create_user(client, handle="creator")
    stranger = await create_user(client, handle="stranger")
    draft = await create_video(client, db, creator, "Nova rehearses", publish=False)
    node = "query($id: ID!) { node(id: $id) { id } }"
    nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    character_videos = """query($id: ID!, $all: Boolean) { node(id: $id) { ... on Character {
        videos(first: 10, includeUnpublished: $all) { edges { node { id } } } } } }"""
    user_videos = 'query { user(handle: "creator") { videos(first: 10) { edges { node { id } } } } }'

    def ids(result: Any, *path: str) -> list[str]:
        for key in path:
            result = result[key]
        return [edge["node"]["id"] for edge in result["edges"]]

    for account, sees in ((creator, True), (ava, True), (stranger, False)):
        token = account.token
        assert ((await client.execute(node, {"id": draft}, token=token)).data["node"] is not None) == sees
        assert ((await client.execute(nodes, {"ids": [draft]}, token=token)).data["nodes"] != [None]) == sees
    assert (await client.execute(node, {"id": draft})).data["node"] is None
    as_member = await client.execute(character_videos, {"id": nova, "all": True}, token=ava.token)
    assert ids(as_member.data, "node", "videos") == [draft]
    assert ids((await client.execute(character_videos, {"id": nova}, token=ava.token)).data, "node", "videos") == []
    refused = await client.execute(character_videos, {"id": nova, "all": True}, token=stranger.token)
    assert refused.error_codes() == ["FORBIDDEN"]
    assert ids((await client.execute(user_videos, token=creator.token)).data, "user", "videos") == [draft]
    assert ids((await client.execute(user_videos, token=stranger.token)).data, "user", "videos") == []


async def feed_statements(client: GraphQLClient, account: Account, first: int) -> int:
    with counting() as counter:
        result = await client.execute(RICH_FEED, {"first": first}, token=account.token)
    assert result.errors == [] and len(result.data["feed"]["edges"]) == first
    return counter.count


@pytest.mark.timeout(300)
async def test_feed_page_costs_the_same_few_statements_whatever_its_size(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    fan = await create_user(client, handle="fan")
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    nova = await create_character(client, ava, holder, "Nova")
    await create_character(client, ava, holder, "Bolt")
    creators = [await create_user(client, handle=f"maker{n}") for n in range(5)]
    for creator in creators:
        await client.execute(FOLLOW, {"id": creator.id}, token=fan.token)
    await client.execute(FOLLOW_CHARACTER, {"id": nova}, token=fan.token)
    for n in range(55):
        await create_video(client, db, creators[n % 5], f"Nova and Bolt, take {n}")
    await recompute_trending(db)
    small, large = await feed_statements(client, fan, 5), await feed_statements(client, fan, 50)
    assert small == large == 2  # the token's owner; the page, its creators and characters read along


async def test_a_page_in_two_statements_shows_every_creator_and_character(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    """Followed videos, then trending ones: each statement reads its own videos' creators and
    characters along (db/queries/feed.py WITH_SHOWN), and nothing is loaded after."""
    fan, friend, stranger, ava = [await create_user(client, handle=h) for h in ("fan", "friend", "stranger", "ava")]
    holder = await create_holder(client, ava)
    for name in ("Nova", "Bolt"):
        await create_character(client, ava, holder, name)
    await client.execute(FOLLOW, {"id": friend.id}, token=fan.token)
    made = {}
    for n in range(2):
        made[await create_video(client, db, friend, f"Nova by the friend {n}")] = ("friend", ["Nova"])
    for n in range(4):
        made[await create_video(client, db, stranger, f"Bolt and Nova by a stranger {n}")] = (
            "stranger",
            ["Bolt", "Nova"],
        )
    await recompute_trending(db)
    with counting() as counter:
        result = await client.execute(RICH_FEED, {"first": 6}, token=fan.token)
    assert result.errors == []
    shown = {
        edge["node"]["id"]: (edge["node"]["creator"]["handle"], sorted(c["name"] for c in edge["node"]["characters"]))
        for edge in result.data["feed"]["edges"]
    }
    assert shown == made
    assert counter.count == 3  # the token's owner, the followed part, the trending part
