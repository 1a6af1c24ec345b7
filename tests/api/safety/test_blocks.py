"""Blocks (RULES §10): two users hidden from each other everywhere, whichever blocked; follows removed;
likes, comments, follows and remixes between them refused."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.api.social.test_feeds import recompute_trending
from tests.helpers import (
    Account,
    GraphQLClient,
    create_character,
    create_holder,
    create_user,
    create_video,
)

BLOCK = "mutation($id: ID!) { blockUser(userId: $id) { node { id } userErrors { code field } } }"
UNBLOCK = "mutation($id: ID!) { unblockUser(userId: $id) { node { id } userErrors { code field } } }"
FOLLOW = "mutation($id: ID!) { followUser(userId: $id) { userErrors { code } } }"
LIKE = "mutation($id: ID!) { likeVideo(videoId: $id) { userErrors { code } } }"
COMMENT = "mutation($id: ID!, $body: String!) { addComment(videoId: $id, body: $body) { userErrors { code } } }"
REMIX = "mutation($input: RemixInput!) { createRemix(input: $input) { video { id } userErrors { code } } }"
BLOCKED = """
query($first: Int, $after: String) {
  viewer { blocked(first: $first, after: $after) { edges { node { handle } } pageInfo { hasNextPage endCursor } } }
}
"""
EVERYWHERE = """
query Everywhere($handle: String!, $video: ID!, $maker: ID!, $parent: ID!, $character: ID!) {
  feed(first: 50) { edges { node { id } } }
  trending(first: 50) { edges { node { id } } }
  searchVideos(query: "dance") { edges { node { id } } }
  user(handle: $handle) { id videos { edges { node { id } } } }
  video: node(id: $video) { id }
  maker: node(id: $maker) { id }
  parent: node(id: $parent) { ... on Video {
    comments { edges { node { body } } } remixes { edges { node { id } } } } }
  character: node(id: $character) { ... on Character { videos { edges { node { id } } } } }
}
"""


def ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


async def seen(client: GraphQLClient, fan: Account, scene: dict[str, str]) -> dict[str, Any]:
    """What the fan sees of the maker on every path."""
    variables = {k: scene[k] for k in ("handle", "video", "maker", "parent", "character")}
    data = (await client.execute(EVERYWHERE, variables, token=fan.token)).data
    return {
        "feed": scene["video"] in ids(data["feed"]) or scene["remix"] in ids(data["feed"]),
        "trending": scene["video"] in ids(data["trending"]),
        "search": scene["video"] in ids(data["searchVideos"]),
        "user page": data["user"] is not None and ids(data["user"]["videos"]) != [],
        "video node": data["video"] is not None,
        "user node": data["maker"] is not None,
        "comments": [e["node"]["body"] for e in data["parent"]["comments"]["edges"]] == ["by the maker"],
        "remixes": ids(data["parent"]["remixes"]) == [scene["remix"]],
        "character": scene["video"] in ids(data["character"]["videos"]),
    }


async def scene(client: GraphQLClient, db: asyncpg.Pool) -> tuple[Account, Account, dict[str, str]]:
    """A fan following a maker, whose videos (one with a character, one a remix of a third user's) and
    comment the fan can see on every path."""
    fan = await create_user(client, handle="fan")
    maker = await create_user(client, handle="maker")
    third = await create_user(client, handle="third")
    ava = await create_user(client, handle="ava")
    nova = await create_character(client, ava, await create_holder(client, ava), "Nova")
    parent = await create_video(client, db, third, "a quiet lake")
    video = await create_video(client, db, maker, "Nova does a dance", characterIds=[nova])
    remix = await create_video(client, db, maker, "the lake, louder", remixOfId=parent)
    await client.execute(COMMENT, {"id": parent, "body": "by the maker"}, token=maker.token)
    await client.execute(FOLLOW, {"id": maker.id}, token=fan.token)
    await recompute_trending(db)
    values = {"handle": "maker", "video": video, "maker": maker.id, "parent": parent, "character": nova}
    return fan, maker, values | {"remix": remix}


@pytest.mark.parametrize("fan_blocks", [True, False], ids=["viewer blocks", "viewer is blocked"])
async def test_a_block_hides_both_users_from_each_other_everywhere(
    client: GraphQLClient, db: asyncpg.Pool, fan_blocks: bool
) -> None:
    fan, maker, values = await scene(client, db)
    assert set((await seen(client, fan, values)).values()) == {True}

    blocker, blocked = (fan, maker) if fan_blocks else (maker, fan)
    payload = (await client.execute(BLOCK, {"id": blocked.id}, token=blocker.token)).data["blockUser"]
    assert payload == {"node": {"id": blocked.id}, "userErrors": []}
    assert await seen(client, fan, values) == dict.fromkeys(await seen(client, fan, values), False)
    assert await db.fetchval("SELECT count(*) FROM user_follows") == 0
    assert await db.fetchval("SELECT follower_count FROM users WHERE handle = 'maker'") == 0
    # And the other way round: the maker does not see the fan's page.
    user = 'query { user(handle: "fan") { id } }'
    assert (await client.execute(user, token=maker.token)).data["user"] is None

    await client.execute(UNBLOCK, {"id": blocked.id}, token=blocker.token)
    await client.execute(FOLLOW, {"id": maker.id}, token=fan.token)
    assert set((await seen(client, fan, values)).values()) == {True}


@pytest.mark.parametrize("fan_blocks", [True, False], ids=["viewer blocks", "viewer is blocked"])
async def test_likes_comments_follows_and_remixes_between_blocked_users_are_forbidden(
    client: GraphQLClient, db: asyncpg.Pool, fan_blocks: bool
) -> None:
    fan = await create_user(client, handle="fan")
    maker = await create_user(client, handle="maker")
    video = await create_video(client, db, maker, "a dance")
    blocker, blocked = (fan, maker) if fan_blocks else (maker, fan)
    await client.execute(BLOCK, {"id": blocked.id}, token=blocker.token)
    before = await db.fetchval("SELECT count(*) FROM videos")

    for document, variables in [
        (LIKE, {"id": video}),
        (COMMENT, {"id": video, "body": "hi"}),
        (FOLLOW, {"id": maker.id}),
        (REMIX, {"input": {"prompt": "again", "characterIds": [], "remixOfId": video}}),
    ]:
        assert (await client.execute(document, variables, token=fan.token)).error_codes() == ["FORBIDDEN"]
    assert (await client.execute(FOLLOW, {"id": fan.id}, token=maker.token)).error_codes() == ["FORBIDDEN"]
    counts = await db.fetchrow(
        "SELECT (SELECT count(*) FROM video_likes) AS likes, (SELECT count(*) FROM comments) AS comments,"
        " (SELECT count(*) FROM user_follows) AS follows, (SELECT count(*) FROM videos) AS videos"
    )
    assert dict(counts) == {"likes": 0, "comments": 0, "follows": 0, "videos": before}


async def test_blocked_lists_whom_the_viewer_blocked_and_refusals_change_nothing(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    fan = await create_user(client, handle="fan")
    others = [await create_user(client, handle=f"other{n}") for n in range(3)]
    for other in others:
        await client.execute(BLOCK, {"id": other.id}, token=fan.token)
    await client.execute(BLOCK, {"id": others[0].id}, token=fan.token)  # idempotent
    await client.execute(BLOCK, {"id": fan.id}, token=others[1].token)  # not the fan's own block

    first = (await client.execute(BLOCKED, {"first": 2}, token=fan.token)).data["viewer"]["blocked"]
    rest = (await client.execute(BLOCKED, {"after": first["pageInfo"]["endCursor"]}, token=fan.token)).data
    handles = [e["node"]["handle"] for e in first["edges"] + rest["viewer"]["blocked"]["edges"]]
    assert handles == ["other2", "other1", "other0"] and first["pageInfo"]["hasNextPage"]

    own = (await client.execute(BLOCK, {"id": fan.id}, token=fan.token)).data["blockUser"]
    assert own["userErrors"] == [{"code": "INVALID", "field": ["userId"]}]
    unknown = (await client.execute(BLOCK, {"id": "VXNlcjox"}, token=fan.token)).data["blockUser"]
    assert unknown["userErrors"] == [{"code": "NOT_FOUND", "field": ["userId"]}]
    assert (await client.execute(BLOCK, {"id": others[0].id})).error_codes() == ["UNAUTHENTICATED"]
    assert await db.fetchval("SELECT count(*) FROM user_blocks") == 4
