"""Viewer.activity, markActivityRead and Activity nodes through the GraphQL endpoint."""

from __future__ import annotations

from typing import Any

import asyncpg

from api.ids import to_global_id
from domain.activity import ActivityKind
from tests.api.activity.support import insert_video, produce, raw
from tests.helpers import GraphQLClient, create_user

INBOX = """
query($first: Int, $after: String, $unread: Boolean) {
  viewer { activity(first: $first, after: $after, unreadOnly: $unread) {
    edges { cursor node { id kind read createdAt video { id } character { id } actor { handle } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  } }
}
"""
MARK_READ = "mutation($ids: [ID!]!) { markActivityRead(ids: $ids) { updated userErrors { field code } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Activity { kind } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"


async def inbox_ids(client: GraphQLClient, token: str, **variables: object) -> list[str]:
    connection = (await client.execute(INBOX, variables, token=token)).data["viewer"]["activity"]
    return [edge["node"]["id"] for edge in connection["edges"]]


async def test_the_inbox_pages_newest_first_without_gaps_or_duplicates(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    fan = await create_user(client)
    kinds = [
        ActivityKind.NEW_FOLLOWER,
        ActivityKind.VIDEO_LIKED,
        ActivityKind.VIDEO_COMMENTED,
        ActivityKind.VIDEO_DRAFTED,
    ]
    for kind in kinds * 2:
        await produce(db_pool, kind=kind, users=[raw(fan.id)])

    seen: list[dict[str, Any]] = []
    after = None
    while True:
        result = await client.execute(INBOX, {"first": 3, "after": after}, token=fan.token)
        connection = result.data["viewer"]["activity"]
        seen += [edge["node"] for edge in connection["edges"]]
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    assert [node["kind"] for node in seen] == [kind.value for kind in reversed(kinds * 2)]
    assert len({node["id"] for node in seen}) == 8
    assert [node["createdAt"] for node in seen] == sorted((node["createdAt"] for node in seen), reverse=True)


async def test_an_activity_shows_its_video_only_while_the_recipient_may_see_it(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    creator, fan = await create_user(client, handle="maker"), await create_user(client)
    published = await insert_video(db_pool, raw(creator.id))
    draft = await insert_video(db_pool, raw(creator.id), status="DRAFT")
    for video_id in (published, draft):
        await produce(
            db_pool, kind=ActivityKind.VIDEO_LIKED, actor_id=raw(creator.id), video_id=video_id, users=[raw(fan.id)]
        )

    edges = (await client.execute(INBOX, token=fan.token)).data["viewer"]["activity"]["edges"]

    assert [edge["node"]["video"] for edge in edges] == [None, {"id": to_global_id("Video", published)}]
    assert {edge["node"]["actor"]["handle"] for edge in edges} == {"maker"}
    assert {edge["node"]["character"] for edge in edges} == {None}


async def test_unread_only_and_mark_read_count_only_the_viewers_own_unread_rows(
    client: GraphQLClient, db_pool: asyncpg.Pool
) -> None:
    fan, other = await create_user(client), await create_user(client)
    for _ in range(3):
        await produce(db_pool, kind=ActivityKind.NEW_FOLLOWER, users=[raw(fan.id), raw(other.id)])
    mine = await inbox_ids(client, fan.token)
    theirs = await inbox_ids(client, other.token)

    first = await client.execute(MARK_READ, {"ids": [*mine[:2], theirs[0]]}, token=fan.token)
    again = await client.execute(MARK_READ, {"ids": mine[:2]}, token=fan.token)

    assert first.data["markActivityRead"] == {"updated": 2, "userErrors": []}
    assert again.data["markActivityRead"] == {"updated": 0, "userErrors": []}
    assert await inbox_ids(client, fan.token, unread=True) == mine[2:]
    assert await inbox_ids(client, other.token, unread=True) == theirs
    assert await inbox_ids(client, fan.token, unread=None) == mine  # null: the default, everything
    reads = (await client.execute(INBOX, token=fan.token)).data["viewer"]["activity"]["edges"]
    assert [edge["node"]["read"] for edge in reads] == [True, True, False]


async def test_malformed_ids_are_refused_and_nothing_is_marked(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    fan = await create_user(client)
    await produce(db_pool, kind=ActivityKind.NEW_FOLLOWER, users=[raw(fan.id)])
    (mine,) = await inbox_ids(client, fan.token)

    result = await client.execute(MARK_READ, {"ids": [mine, "nope", fan.id]}, token=fan.token)

    payload = result.data["markActivityRead"]
    assert payload["updated"] == 0
    assert payload["userErrors"] == [
        {"field": ["ids", "1"], "code": "INVALID"},
        {"field": ["ids", "2"], "code": "INVALID"},
    ]
    assert await inbox_ids(client, fan.token, unread=True) == [mine]


async def test_at_most_a_hundred_ids_at_once(client: GraphQLClient) -> None:
    fan = await create_user(client)
    ids = [to_global_id("Activity", raw(fan.id))] * 101

    result = await client.execute(MARK_READ, {"ids": ids}, token=fan.token)

    assert result.data["markActivityRead"] == {"updated": 0, "userErrors": [{"field": ["ids"], "code": "INVALID"}]}


async def test_marking_read_needs_a_viewer(client: GraphQLClient) -> None:
    result = await client.execute(MARK_READ, {"ids": []})
    assert result.error_codes() == ["UNAUTHENTICATED"]


async def test_an_activity_node_is_visible_to_its_recipient_only(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    fan, other = await create_user(client), await create_user(client)
    await produce(db_pool, kind=ActivityKind.NEW_FOLLOWER, actor_id=raw(other.id), users=[raw(fan.id)])
    (activity_id,) = await inbox_ids(client, fan.token)

    mine = await client.execute(NODE, {"id": activity_id}, token=fan.token)
    theirs = await client.execute(NODE, {"id": activity_id}, token=other.token)
    anonymous = await client.execute(NODE, {"id": activity_id})
    batch = await client.execute(NODES, {"ids": [activity_id, activity_id]}, token=fan.token)

    assert mine.data["node"] == {"id": activity_id, "kind": "NEW_FOLLOWER"}
    assert theirs.data["node"] is None
    assert anonymous.data["node"] is None
    assert batch.data["nodes"] == [{"id": activity_id}, {"id": activity_id}]
