"""What a fan sees of a maker on every path a block or a suspension must close (RULES §10): the
scene both test_blocks and test_suspension set up, and one look at every path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from tests.api.social.test_feeds import recompute_trending
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, create_video

FOLLOW = "mutation($id: ID!) { followUser(userId: $id) { userErrors { code } } }"
FOLLOW_CHARACTER = "mutation($id: ID!) { followCharacter(characterId: $id) { userErrors { code } } }"
LIKE = "mutation($id: ID!) { likeVideo(videoId: $id) { userErrors { code } } }"
COMMENT = """
mutation($id: ID!, $body: String!) { addComment(videoId: $id, body: $body) { comment { id } userErrors { code } } }
"""
MODE = "mutation($mode: FeedMode!) { setFeedPreferences(input: {mode: $mode}) { userErrors { code } } }"
FEED = "query { feed(first: 50) { edges { node { id } } } }"
EVERYWHERE = """
query Everywhere($handle: String!, $video: ID!, $maker: ID!, $parent: ID!, $character: ID!, $comment: ID!,
                 $remixOfMakers: ID!) {
  feed(first: 50) { edges { node { id } } }
  trending(first: 50) { edges { node { id } } }
  searchVideos(query: "dance") { edges { node { id } } }
  user(handle: $handle) { id videos { edges { node { id } } } }
  video: node(id: $video) { id }
  maker: node(id: $maker) { id }
  comment: node(id: $comment) { id }
  nodes(ids: [$video, $maker, $comment]) { id }
  parent: node(id: $parent) { ... on Video {
    comments { edges { node { body } } } remixes { edges { node { id } } } } }
  remixOfMakers: node(id: $remixOfMakers) { ... on Video { remixOf { id } } }
  character: node(id: $character) { ... on Character { videos { edges { node { id } } } } }
  viewer { activity(first: 50) { edges { node { kind } } } }
}
"""


@dataclass(frozen=True)
class Scene:
    fan: Account
    maker: Account
    values: dict[str, str]  # EVERYWHERE's variables
    remix: str  # the maker's remix of a third user's video


def ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


async def scene(client: GraphQLClient, db: asyncpg.Pool) -> Scene:
    """A fan following a maker and a character: the maker made a video of the character, a remix of
    a third user's video (which the third user remixed in turn), commented on the third user's video,
    and liked the fan's video. The fan sees all of it on every path."""
    fan = await create_user(client, handle="fan")
    maker = await create_user(client, handle="maker")
    third = await create_user(client, handle="third")
    ava = await create_user(client, handle="ava")
    nova = await create_character(client, ava, await create_holder(client, ava), "Nova")
    await client.execute(FOLLOW, {"id": maker.id}, token=fan.token)
    await client.execute(FOLLOW_CHARACTER, {"id": nova}, token=fan.token)
    parent = await create_video(client, db, third, "a quiet lake")
    own = await create_video(client, db, fan, "the fan's own video")
    video = await create_video(client, db, maker, "Nova does a dance", characterIds=[nova])  # fan: VIDEO_PUBLISHED
    remix = await create_video(client, db, maker, "the lake, louder", remixOfId=parent)
    remix_of_makers = await create_video(client, db, third, "the dance, slower", remixOfId=video)
    commented = await client.execute(COMMENT, {"id": parent, "body": "by the maker"}, token=maker.token)
    await client.execute(LIKE, {"id": own}, token=maker.token)  # fan: VIDEO_LIKED
    await recompute_trending(db)
    values = {
        "handle": "maker",
        "video": video,
        "maker": maker.id,
        "parent": parent,
        "character": nova,
        "comment": commented.data["addComment"]["comment"]["id"],
        "remixOfMakers": remix_of_makers,
    }
    return Scene(fan, maker, values, remix)


async def seen(client: GraphQLClient, at: Scene, viewer: Account | None = None) -> dict[str, bool]:
    """Whether the viewer (the fan unless told) sees the maker on each path."""
    who = viewer or at.fan
    data = (await client.execute(EVERYWHERE, at.values, token=who.token)).data
    kinds = [edge["node"]["kind"] for edge in data["viewer"]["activity"]["edges"]]
    return {
        "feed": at.values["video"] in ids(data["feed"]) or at.remix in ids(data["feed"]),
        **await feed_by_mode(client, at, who),
        "trending": at.values["video"] in ids(data["trending"]),
        "search": at.values["video"] in ids(data["searchVideos"]),
        "user page": data["user"] is not None and ids(data["user"]["videos"]) != [],
        "video node": data["video"] is not None,
        "user node": data["maker"] is not None,
        "comment node": data["comment"] is not None,
        "nodes": data["nodes"] != [None, None, None],
        "comments": [e["node"]["body"] for e in data["parent"]["comments"]["edges"]] == ["by the maker"],
        "remixes": ids(data["parent"]["remixes"]) == [at.remix],
        "remixOf": data["remixOfMakers"]["remixOf"] is not None,
        "character": at.values["video"] in ids(data["character"]["videos"]),
        "activity of the maker": "VIDEO_LIKED" in kinds,
        # VIDEO_PUBLISHED: the fan's own video, and, as Nova's follower, the maker's and the third's remix of it.
        "activity of the maker's video": kinds.count("VIDEO_PUBLISHED") == 3,
    }


async def feed_by_mode(client: GraphQLClient, at: Scene, who: Account) -> dict[str, bool]:
    """Whether the maker's video of the followed character is in each mode's feed (MIXED again after)."""
    found = {}
    for mode in ("FOLLOWING", "TRENDING", "MIXED"):
        await client.execute(MODE, {"mode": mode}, token=who.token)
        feed = (await client.execute(FEED, token=who.token)).data["feed"]
        found[f"feed {mode}"] = at.values["video"] in ids(feed)
    return found
