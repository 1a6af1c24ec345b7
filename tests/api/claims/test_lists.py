"""Holder.claims, Viewer.claims and Claim nodes: who sees what, newest first, filtered, paginated."""

from __future__ import annotations

import asyncpg

from tests.api.claims.conftest import CLAIM, World, file_claim
from tests.helpers import GraphQLClient, create_user, create_video

HOLDER_CLAIMS = """
query($id: ID!, $after: String, $status: ClaimStatus) {
  node(id: $id) { ... on Holder { claims(first: 1, after: $after, status: $status) {
    edges { cursor node { id status video { id } } } pageInfo { hasNextPage endCursor } } } }
}
"""
VIEWER_CLAIMS = "query($status: ClaimStatus) { viewer { claims(status: $status) { edges { node { id kind } } } } }"


async def test_claim_lists(client: GraphQLClient, db: asyncpg.Pool, world: World) -> None:
    first = (await file_claim(client, world, "TAKE_DOWN"))["claim"]["id"]
    other_video = await create_video(client, db, world.creator, "a second forest")
    second = (await file_claim(client, world, videoId=other_video))["claim"]["id"]
    async with db.acquire() as conn:  # the first is released: it must drop out of the OPEN filter
        await conn.execute(
            "UPDATE claims SET status = 'RELEASED', resolved_at = now() WHERE kind = 'MISSED_CHARACTER' "
            "AND created_at = (SELECT min(created_at) FROM claims)"
        )

    page = await client.execute(HOLDER_CLAIMS, {"id": world.holder_id}, token=world.member.token)
    claims = page.data["node"]["claims"]
    assert [e["node"]["id"] for e in claims["edges"]] == [second] and claims["pageInfo"]["hasNextPage"]
    after = claims["pageInfo"]["endCursor"]
    rest = await client.execute(HOLDER_CLAIMS, {"id": world.holder_id, "after": after}, token=world.member.token)
    assert [e["node"]["id"] for e in rest.data["node"]["claims"]["edges"]] == [first]
    opened = await client.execute(HOLDER_CLAIMS, {"id": world.holder_id, "status": "OPEN"}, token=world.member.token)
    assert [e["node"]["id"] for e in opened.data["node"]["claims"]["edges"]] == [second]
    outsider = await client.execute(HOLDER_CLAIMS, {"id": world.holder_id}, token=world.creator.token)
    assert outsider.error_codes() == ["FORBIDDEN"]

    mine = await client.execute(VIEWER_CLAIMS, token=world.creator.token)
    assert [e["node"]["id"] for e in mine.data["viewer"]["claims"]["edges"]] == [second, first]
    released = await client.execute(VIEWER_CLAIMS, {"status": "RELEASED"}, token=world.creator.token)
    assert [e["node"]["id"] for e in released.data["viewer"]["claims"]["edges"]] == [first]

    stranger = await create_user(client)
    assert (await client.execute(CLAIM, {"id": second}, token=stranger.token)).data["node"] is None
    assert (await client.execute(CLAIM, {"id": second})).data["node"] is None
    assert (await client.execute(VIEWER_CLAIMS, token=stranger.token)).data["viewer"]["claims"]["edges"] == []
