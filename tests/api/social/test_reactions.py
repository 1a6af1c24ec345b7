"""Follows, likes, comments and remixes: idempotent toggles, exact counts under concurrency, refusals."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.helpers import GraphQLClient, create_character, create_holder, create_user, create_video

FOLLOW = """mutation($id: ID!) {
  followUser(userId: $id) { node { ... on User { followerCount viewerFollows } } userErrors { field code } } }"""
UNFOLLOW = """mutation($id: ID!) {
  unfollowUser(userId: $id) { node { ... on User { followerCount } } userErrors { code } } }"""
FOLLOW_CHARACTER = """mutation($id: ID!) {
  followCharacter(characterId: $id) {
    node { ... on Character { followerCount viewerFollows } } userErrors { code } } }"""
LIKE = "mutation($id: ID!) { likeVideo(videoId: $id) { video { likeCount viewerHasLiked } userErrors { code } } }"
UNLIKE = "mutation($id: ID!) { unlikeVideo(videoId: $id) { video { likeCount viewerHasLiked } userErrors { code } } }"
COMMENT = """mutation($id: ID!, $body: String!) {
  addComment(videoId: $id, body: $body) { comment { id body author { handle } } userErrors { field code } } }"""
DELETE_COMMENT = "mutation($id: ID!) { deleteComment(commentId: $id) { comment { id } userErrors { code } } }"
VIDEO = """
query($id: ID!) { node(id: $id) { ... on Video {
  likeCount commentCount remixCount viewerHasLiked
  comments(first: 10) { edges { node { body } } }
  remixes(first: 10) { edges { node { id } } }
} } }
"""
TAKE_DOWN = """
mutation($input: TakeDownVideoInput!) { takeDownVideo(input: $input) { video { status } userErrors { code } } }
"""


async def test_follow_user_is_idempotent_and_counted(client: GraphQLClient) -> None:
    alice = await create_user(client, handle="alice")
    bob = await create_user(client, handle="bob")
    for _ in range(2):
        result = (await client.execute(FOLLOW, {"id": bob.id}, token=alice.token)).data["followUser"]
        assert result["node"] == {"followerCount": 1, "viewerFollows": True}
    self_follow = (await client.execute(FOLLOW, {"id": alice.id}, token=alice.token)).data["followUser"]
    assert [(e["code"], e["field"]) for e in self_follow["userErrors"]] == [("INVALID", ["userId"])]
    missing = (await client.execute(FOLLOW, {"id": "garbage"}, token=alice.token)).data["followUser"]
    assert [e["code"] for e in missing["userErrors"]] == ["NOT_FOUND"]
    for _ in range(2):
        result = (await client.execute(UNFOLLOW, {"id": bob.id}, token=alice.token)).data["unfollowUser"]
        assert result["node"] == {"followerCount": 0}
    assert (await client.execute(FOLLOW, {"id": bob.id})).error_codes() == ["UNAUTHENTICATED"]


async def test_counts_stay_exact_under_concurrency(client: GraphQLClient, db: asyncpg.Pool) -> None:
    creator = await create_user(client, handle="creator")
    fans = [await create_user(client, handle=f"fan{n}") for n in range(8)]
    video = await create_video(client, db, creator)
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    nova = await create_character(client, ava, holder, "Nova")
    toggles = [client.execute(LIKE, {"id": video}, token=f.token) for f in fans for _ in range(3)]
    toggles += [client.execute(FOLLOW, {"id": creator.id}, token=f.token) for f in fans for _ in range(3)]
    toggles += [client.execute(FOLLOW_CHARACTER, {"id": nova}, token=f.token) for f in fans for _ in range(2)]
    await asyncio.gather(*toggles)
    counts = await db.fetchrow(
        "SELECT (SELECT like_count FROM videos) AS likes,"
        " (SELECT follower_count FROM users WHERE handle = 'creator') AS f,"
        " (SELECT follower_count FROM characters) AS cf"
    )
    assert dict(counts) == {"likes": 8, "f": 8, "cf": 8}
    await asyncio.gather(*(client.execute(UNLIKE, {"id": video}, token=f.token) for f in fans for _ in range(2)))
    assert await db.fetchval("SELECT like_count FROM videos") == 0


async def test_like_and_comment_only_published_videos(client: GraphQLClient, db: asyncpg.Pool) -> None:
    creator = await create_user(client, handle="creator")
    fan = await create_user(client, handle="fan")
    draft = await create_video(client, db, creator, publish=False)
    assert [
        e["code"] for e in (await client.execute(LIKE, {"id": draft}, token=fan.token)).data["likeVideo"]["userErrors"]
    ] == ["NOT_FOUND"]
    own = (await client.execute(LIKE, {"id": draft}, token=creator.token)).data["likeVideo"]
    assert [e["code"] for e in own["userErrors"]] == ["CONFLICT"]  # visible to its creator, but not published
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    bolt = await create_character(client, ava, holder, "Bolt")
    published = await create_video(client, db, creator, "Bolt sings")
    liked = (await client.execute(LIKE, {"id": published}, token=fan.token)).data["likeVideo"]
    assert liked["video"] == {"likeCount": 1, "viewerHasLiked": True}
    taken = {"videoId": published, "characterId": bolt, "reason": "no"}
    await client.execute(TAKE_DOWN, {"input": taken}, token=ava.token)
    refused = (await client.execute(COMMENT, {"id": published, "body": "nice"}, token=fan.token)).data["addComment"]
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_FOUND"]
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


async def test_comments_add_delete_and_permissions(client: GraphQLClient, db: asyncpg.Pool) -> None:
    creator = await create_user(client, handle="creator")
    fan = await create_user(client, handle="fan")
    other = await create_user(client, handle="other")
    video = await create_video(client, db, creator)
    for body in ("", " " * 3, "x" * 2001):
        bad = (await client.execute(COMMENT, {"id": video, "body": body}, token=fan.token)).data["addComment"]
        assert [(e["code"], e["field"]) for e in bad["userErrors"]] == [("INVALID", ["body"])]
    first = (await client.execute(COMMENT, {"id": video, "body": "first!"}, token=fan.token)).data["addComment"][
        "comment"
    ]
    second = (await client.execute(COMMENT, {"id": video, "body": "second"}, token=fan.token)).data["addComment"][
        "comment"
    ]
    assert first["author"] == {"handle": "fan"}
    node = (await client.execute(VIDEO, {"id": video}, token=other.token)).data["node"]
    assert node["commentCount"] == 2 and [e["node"]["body"] for e in node["comments"]["edges"]] == ["first!", "second"]
    assert (await client.execute(DELETE_COMMENT, {"id": first["id"]}, token=other.token)).error_codes() == ["FORBIDDEN"]
    assert (await client.execute(DELETE_COMMENT, {"id": first["id"]}, token=fan.token)).data["deleteComment"]["comment"]
    assert (await client.execute(DELETE_COMMENT, {"id": second["id"]}, token=creator.token)).data["deleteComment"][
        "comment"
    ]
    assert await db.fetchval("SELECT comment_count FROM videos") == 0


async def test_remix_chain_resolves_in_one_query_and_counts(client: GraphQLClient, db: asyncpg.Pool) -> None:
    creators = [await create_user(client, handle=f"creator{n}") for n in range(6)]
    ids = [await create_video(client, db, creators[0], "the original")]
    for n in range(1, 6):
        ids.append(await create_video(client, db, creators[n], f"remix level {n}", remixOfId=ids[-1]))
    chain = "query($id: ID!) { node(id: $id) { ... on Video { " + "remixOf { id " * 5 + "}" * 5 + " } } }"
    statements = await count_statements(db, client, chain, {"id": ids[-1]})
    node = (await client.execute(chain, {"id": ids[-1]})).data["node"]
    depth = 0
    while node and node.get("remixOf"):
        node, depth = node["remixOf"], depth + 1
    assert depth == 5
    assert statements <= 3, statements  # the video, its whole ancestor chain, nothing per level
    original = (await client.execute(VIDEO, {"id": ids[0]})).data["node"]
    assert original["remixCount"] == 1 and original["remixes"]["edges"] == [{"node": {"id": ids[1]}}]


async def count_statements(db: asyncpg.Pool, client: GraphQLClient, query: str, variables: dict[str, object]) -> int:
    """The SQL statements one request sends."""
    from tests.sql_counter import counting

    with counting() as counter:
        assert (await client.execute(query, variables)).errors == []
    return counter.count
