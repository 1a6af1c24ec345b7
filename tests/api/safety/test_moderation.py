"""Reports and moderation (RULES §10): one report per reporter and subject, an operators-only queue,
each action carried out and recorded, reporters told the outcome, suspended users signed out."""

from __future__ import annotations

from typing import Any

import asyncpg

from cli import _operator
from settings import Settings
from tests.api.social.test_feeds import recompute_trending
from tests.helpers import Account, GraphQLClient, create_user, create_video

REPORT = """
mutation($input: ReportInput!) {
  report(input: $input) {
    report { id reason note status subject { id __typename } }
    userErrors { code field }
  }
}
"""
MODERATE = """
mutation($input: ModerateInput!) {
  moderate(input: $input) {
    report { id status subject { id ... on Comment { body } } actions { action note operator { handle } } }
    userErrors { code field }
  }
}
"""
QUEUE = """
query($first: Int, $after: String) {
  moderationQueue(first: $first, after: $after) {
    edges { node { id reason subject { id } } } pageInfo { hasNextPage endCursor }
  }
}
"""
INBOX = """
query { viewer { activity { edges { node { kind video { id } report { id status } } } } } }
"""
COMMENT = """
mutation($id: ID!, $body: String!) { addComment(videoId: $id, body: $body) { comment { id } userErrors { code } } }
"""
VIDEO = "query($id: ID!) { node(id: $id) { ... on Video { status comments { edges { node { body } } } } } }"
LISTS = """
query { trending(first: 50) { edges { node { id } } }
        user(handle: "troll") { videos { edges { node { id } } } } }
"""


async def report(client: GraphQLClient, who: Account, subject: str, reason: str = "SPAM", **extra: Any) -> Any:
    variables = {"input": {"subjectId": subject, "reason": reason, **extra}}
    return (await client.execute(REPORT, variables, token=who.token)).data["report"]


async def moderate(client: GraphQLClient, who: Account, report_id: str, action: str, **extra: Any) -> Any:
    variables = {"input": {"reportId": report_id, "action": action, **extra}}
    return await client.execute(MODERATE, variables, token=who.token)


async def test_a_subject_is_reported_once_per_reporter_and_refusals_write_nothing(
    client: GraphQLClient, db: asyncpg.Pool
) -> None:
    fan = await create_user(client, handle="fan")
    troll = await create_user(client, handle="troll")
    video = await create_video(client, db, troll, "spam spam spam")
    comment = (await client.execute(COMMENT, {"id": video, "body": "buy now"}, token=troll.token)).data
    comment_id = comment["addComment"]["comment"]["id"]

    for subject, typename in [(video, "Video"), (comment_id, "Comment"), (troll.id, "User")]:
        made = await report(client, fan, subject, "HARASSMENT", note="  rude  ")
        assert made["userErrors"] == []
        assert made["report"]["subject"] == {"id": subject, "__typename": typename}
        assert (made["report"]["status"], made["report"]["note"]) == ("OPEN", "rude")
    again = await report(client, fan, video, "SPAM")
    assert again == {"report": None, "userErrors": [{"code": "CONFLICT", "field": ["input", "subjectId"]}]}
    for subject, extra, code in [
        ("VmlkZW86MQ", {}, "NOT_FOUND"),
        (fan.id, {}, "INVALID"),
        (video, {"note": "x" * 2001}, "INVALID"),
    ]:
        assert (await report(client, fan, subject, **extra))["userErrors"][0]["code"] == code
    signed_out = await client.execute(REPORT, {"input": {"subjectId": video, "reason": "SPAM"}})
    assert signed_out.error_codes() == ["UNAUTHENTICATED"]
    assert await db.fetchval("SELECT count(*) FROM reports") == 3


async def test_only_operators_see_the_queue_oldest_first(
    client: GraphQLClient, db: asyncpg.Pool, operator: Account
) -> None:
    fans = [await create_user(client, handle=f"fan{n}") for n in range(3)]
    troll = await create_user(client, handle="troll")
    made = [(await report(client, fan, troll.id))["report"]["id"] for fan in fans]

    assert (await client.execute(QUEUE, token=fans[0].token)).error_codes() == ["FORBIDDEN"]
    assert (await client.execute(QUEUE)).error_codes() == ["UNAUTHENTICATED"]
    first = (await client.execute(QUEUE, {"first": 2}, token=operator.token)).data["moderationQueue"]
    after = {"after": first["pageInfo"]["endCursor"]}
    rest = (await client.execute(QUEUE, after, token=operator.token)).data["moderationQueue"]
    assert [e["node"]["id"] for e in first["edges"] + rest["edges"]] == made
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]


async def test_non_operators_cannot_moderate(client: GraphQLClient, db: asyncpg.Pool, settings: Settings) -> None:
    fan = await create_user(client, handle="fan")
    troll = await create_user(client, handle="troll")
    video = await create_video(client, db, troll, "spam")
    made = (await report(client, fan, video))["report"]["id"]
    assert (await moderate(client, fan, made, "TAKE_DOWN_VIDEO")).error_codes() == ["FORBIDDEN"]
    assert settings.database_url
    await _operator(settings.database_url, "grant", "fan")
    await _operator(settings.database_url, "revoke", "fan")
    assert (await moderate(client, fan, made, "TAKE_DOWN_VIDEO")).error_codes() == ["FORBIDDEN"]
    assert await db.fetchval("SELECT status FROM videos") == "PUBLISHED"
    assert await db.fetchval("SELECT status FROM reports") == "OPEN"
    assert await db.fetchval("SELECT count(*) FROM moderation_actions") == 0


async def test_take_down_closes_every_report_of_the_video_and_tells_each_reporter(
    client: GraphQLClient, db: asyncpg.Pool, operator: Account
) -> None:
    fans = [await create_user(client, handle=f"fan{n}") for n in range(2)]
    troll = await create_user(client, handle="troll")
    video = await create_video(client, db, troll, "spam")
    made = [(await report(client, fan, video))["report"]["id"] for fan in fans]

    wrong = (await moderate(client, operator, made[0], "DELETE_COMMENT")).data["moderate"]
    assert wrong["userErrors"] == [{"code": "INVALID", "field": ["input", "action"]}]
    done = (await moderate(client, operator, made[0], "TAKE_DOWN_VIDEO", note="spam")).data["moderate"]
    assert done["report"]["status"] == "ACTIONED"
    recorded = {"action": "TAKE_DOWN_VIDEO", "note": "spam", "operator": {"handle": "moderator"}}
    assert done["report"]["actions"] == [recorded]
    assert (await client.execute(VIDEO, {"id": video}, token=troll.token)).data["node"]["status"] == "TAKEN_DOWN"
    again = (await moderate(client, operator, made[1], "DISMISS")).data["moderate"]
    assert again["userErrors"] == [{"code": "CONFLICT", "field": ["input", "reportId"]}]
    for fan, report_id in zip(fans, made, strict=True):
        inbox = (await client.execute(INBOX, token=fan.token)).data["viewer"]["activity"]["edges"]
        assert [e["node"] for e in inbox] == [
            {"kind": "REPORT_ACTIONED", "video": None, "report": {"id": report_id, "status": "ACTIONED"}}
        ]
    assert await db.fetchval("SELECT count(*) FROM moderation_actions WHERE operator_id IS NOT NULL") == 2


async def test_dismiss_and_delete_comment(client: GraphQLClient, db: asyncpg.Pool, operator: Account) -> None:
    fan = await create_user(client, handle="fan")
    troll = await create_user(client, handle="troll")
    video = await create_video(client, db, troll, "a video")
    added = await client.execute(COMMENT, {"id": video, "body": "nasty"}, token=troll.token)
    comment_id = added.data["addComment"]["comment"]["id"]
    on_video = (await report(client, fan, video))["report"]["id"]
    on_comment = (await report(client, fan, comment_id, "HARASSMENT"))["report"]["id"]

    dismissed = (await moderate(client, operator, on_video, "DISMISS")).data["moderate"]["report"]
    assert dismissed["status"] == "DISMISSED"
    deleted = (await moderate(client, operator, on_comment, "DELETE_COMMENT")).data["moderate"]["report"]
    assert deleted["status"] == "ACTIONED" and deleted["subject"] == {"id": comment_id, "body": "nasty"}
    node = (await client.execute(VIDEO, {"id": video}, token=fan.token)).data["node"]
    assert node == {"status": "PUBLISHED", "comments": {"edges": []}}
    inbox = (await client.execute(INBOX, token=fan.token)).data["viewer"]["activity"]["edges"]
    assert [e["node"]["kind"] for e in inbox] == ["REPORT_ACTIONED", "REPORT_DISMISSED"]


async def test_a_suspended_users_token_is_refused_and_their_content_leaves_public_lists(
    client: GraphQLClient, db: asyncpg.Pool, operator: Account
) -> None:
    fan = await create_user(client, handle="fan")
    troll = await create_user(client, handle="troll")
    video = await create_video(client, db, troll, "a video")
    elsewhere = await create_video(client, db, fan, "the fan's video")
    await client.execute(COMMENT, {"id": elsewhere, "body": "nasty"}, token=troll.token)
    await recompute_trending(db)
    made = (await report(client, fan, troll.id, "IMPERSONATION"))["report"]["id"]

    suspended = (await moderate(client, operator, made, "SUSPEND_USER")).data["moderate"]["report"]
    assert suspended["status"] == "ACTIONED"
    assert (await client.execute("query { viewer { user { handle } } }", token=troll.token)).error_codes() == [
        "UNAUTHENTICATED"
    ]
    lists = (await client.execute(LISTS, token=fan.token)).data
    assert video not in [e["node"]["id"] for e in lists["trending"]["edges"]] and lists["user"] is None
    node = (await client.execute(VIDEO, {"id": elsewhere}, token=fan.token)).data["node"]
    assert node["comments"]["edges"] == []
