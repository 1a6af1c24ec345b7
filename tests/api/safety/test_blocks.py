"""Blocks (RULES §10): two users hidden from each other everywhere (tests/api/safety/visibility.py lists
the paths), whichever blocked; follows removed; likes, comments, follows and remixes between them
refused, and checkRemix says so as createRemix does."""

from __future__ import annotations

import asyncpg
import pytest

from tests.api.safety.visibility import scene, seen
from tests.helpers import GraphQLClient, create_user, create_video

BLOCK = "mutation($id: ID!) { blockUser(userId: $id) { node { id } userErrors { code field } } }"
UNBLOCK = "mutation($id: ID!) { unblockUser(userId: $id) { node { id } userErrors { code field } } }"
FOLLOW = "mutation($id: ID!) { followUser(userId: $id) { userErrors { code } } }"
LIKE = "mutation($id: ID!) { likeVideo(videoId: $id) { userErrors { code } } }"
COMMENT = "mutation($id: ID!, $body: String!) { addComment(videoId: $id, body: $body) { userErrors { code } } }"
REMIX = "mutation($input: RemixInput!) { createRemix(input: $input) { video { id } userErrors { code } } }"
CHECK = "query($input: RemixInput!) { checkRemix(input: $input) { decision } }"
BLOCKED = """
query($first: Int, $after: String) {
  viewer { blocked(first: $first, after: $after) { edges { node { handle } } pageInfo { hasNextPage endCursor } } }
}
"""


@pytest.mark.parametrize("fan_blocks", [True, False], ids=["viewer blocks", "viewer is blocked"])
async def test_a_block_hides_both_users_from_each_other_everywhere(
    client: GraphQLClient, db: asyncpg.Pool, fan_blocks: bool
) -> None:
    at = await scene(client, db)
    fan, maker = at.fan, at.maker
    found = await seen(client, at)
    assert found == dict.fromkeys(found, True)

    blocker, blocked = (fan, maker) if fan_blocks else (maker, fan)
    payload = (await client.execute(BLOCK, {"id": blocked.id}, token=blocker.token)).data["blockUser"]
    assert payload == {"node": {"id": blocked.id}, "userErrors": []}
    found = await seen(client, at)
    assert found == dict.fromkeys(found, False)
    assert await db.fetchval("SELECT count(*) FROM user_follows") == 0
    assert await db.fetchval("SELECT follower_count FROM users WHERE handle = 'maker'") == 0
    # And the other way round: the maker does not see the fan's page.
    user = 'query { user(handle: "fan") { id } }'
    assert (await client.execute(user, token=maker.token)).data["user"] is None

    await client.execute(UNBLOCK, {"id": blocked.id}, token=blocker.token)
    await client.execute(FOLLOW, {"id": maker.id}, token=fan.token)
    found = await seen(client, at)
    assert found == dict.fromkeys(found, True)


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
        (CHECK, {"input": {"prompt": "again", "characterIds": [], "remixOfId": video}}),  # the dry run says so too
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


@pytest.mark.parametrize("member_blocks", [True, False], ids=["member blocks", "member is blocked"])
async def test_a_holder_members_full_character_list_leaves_out_published_videos_across_a_block(
    client: GraphQLClient, db: asyncpg.Pool, member_blocks: bool
) -> None:
    """includeUnpublished shows members every state of their character's videos, but a published
    one by a creator in a block with the member is hidden there as everywhere (node hides it too);
    unpublished ones stay, since members must review them."""
    from tests.helpers import create_character, create_holder

    ava = await create_user(client, handle="ava")
    maker = await create_user(client, handle="maker")
    nova = await create_character(client, ava, await create_holder(client, ava), "Nova")
    await create_video(client, db, maker, "Nova dances")
    await create_video(client, db, maker, "Nova sings", publish=False)
    await create_video(client, db, ava, "Nova rests")
    query = """
    query($id: ID!) { node(id: $id) { ... on Character {
      videos(includeUnpublished: true) { edges { node { prompt status } } } } } }
    """

    async def listed() -> list[str]:
        data = (await client.execute(query, {"id": nova}, token=ava.token)).data["node"]["videos"]
        return sorted(edge["node"]["prompt"] for edge in data["edges"])

    assert await listed() == ["Nova dances", "Nova rests", "Nova sings"]
    blocker, blocked = (ava, maker) if member_blocks else (maker, ava)
    await client.execute(BLOCK, {"id": blocked.id}, token=blocker.token)
    assert await listed() == ["Nova rests", "Nova sings"]
