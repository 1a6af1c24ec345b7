"""The rights holder's flow end to end, and every authorization refusal."""

from __future__ import annotations

import asyncpg
import pytest

from tests.helpers import (
    CREATE_CHARACTER,
    GraphQLClient,
    create_character,
    create_holder,
    create_user,
    policy,
)

ADD_MEMBER = """
mutation Add($holderId: ID!, $handle: String!) {
  addHolderMember(holderId: $holderId, handle: $handle) { holder { id } userErrors { field code } }
}
"""
HOLDER = """
query Holder($id: ID!) {
  node(id: $id) { ... on Holder { id name kind characters(first: 10) { edges { node { name } } } members { handle } } }
}
"""
HOLDER_PUBLIC = "query($id: ID!) { node(id: $id) { ... on Holder { name kind } } }"
UPDATE = """
mutation Update($input: UpdateCharacterInput!) {
  updateCharacter(input: $input) { character { name aliases description } userErrors { field code } }
}
"""
PUBLISH = """
mutation Publish($input: PublishPolicyInput!) {
  publishPolicy(input: $input) {
    character { policy { version audience requiresReview generationFee { micros formatted } } }
    takenDown
    userErrors { field code message }
  }
}
"""
CHARACTER = """
query Character($id: ID!) {
  node(id: $id) {
    ... on Character {
      name kind holder { name }
      policy { version audience blockedCoCharacters { name } bannedTerms maxRating }
      policyHistory { version }
      viewerAccess { decision reasons { code character { name } } }
    }
  }
}
"""
APPROVE = """
mutation Approve($id: ID!, $handle: String!) {
  approveCreator(characterId: $id, handle: $handle) { character { id } userErrors { field code } }
}
"""
REVOKE = """
mutation Revoke($id: ID!, $handle: String!) {
  revokeCreator(characterId: $id, handle: $handle) { character { id } userErrors { field code } }
}
"""
DENIED = """
query Denied($id: ID!) {
  node(id: $id) {
    ... on Character { deniedAttempts(from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z") { code count } }
  }
}
"""
VIEWER_HOLDERS = "{ viewer { holders { name kind } } }"


async def count(db_pool: asyncpg.Pool, table: str) -> int:
    value: int = await db_pool.fetchval(f"SELECT count(*) FROM {table}")
    return value


async def test_whole_holder_flow(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    raj = await create_user(client, handle="raj")
    fan = await create_user(client, handle="fan")
    holder_id = await create_holder(client, ava, "Northwind Studios")

    added = await client.execute(ADD_MEMBER, {"holderId": holder_id, "handle": "raj"}, token=ava.token)
    assert added.data["addHolderMember"]["userErrors"] == []
    nova = await create_character(client, raj, holder_id, "Captain Nova", ["Nova"], audience="APPROVED_CREATORS")
    members = (await client.execute(HOLDER, {"id": holder_id}, token=raj.token)).data["node"]
    assert [m["handle"] for m in members["members"]] == ["ava", "raj"]
    assert members["characters"]["edges"] == [{"node": {"name": "Captain Nova"}}]

    update = {"characterId": nova, "name": "Captain Nova Prime", "aliases": ["Nova", "Prime"], "description": "Hero"}
    updated = (await client.execute(UPDATE, {"input": update}, token=ava.token)).data["updateCharacter"]
    assert updated["character"] == {"name": "Captain Nova Prime", "aliases": ["Nova", "Prime"], "description": "Hero"}

    new_policy = {"characterId": nova, "policy": policy(audience="EVERYONE", requiresReview=True, generationFee="1.5")}
    published = (await client.execute(PUBLISH, {"input": new_policy}, token=ava.token)).data["publishPolicy"]
    assert published["character"]["policy"] == {
        "version": 2,
        "audience": "EVERYONE",
        "requiresReview": True,
        "generationFee": {"micros": "1500000", "formatted": "$1.50"},
    }

    as_member = (await client.execute(CHARACTER, {"id": nova}, token=ava.token)).data["node"]
    assert [p["version"] for p in as_member["policyHistory"]] == [2, 1]
    assert as_member["viewerAccess"] == {"decision": "ALLOW", "reasons": []}
    as_fan = (await client.execute(CHARACTER, {"id": nova}, token=fan.token)).data["node"]
    assert [p["version"] for p in as_fan["policyHistory"]] == [2]
    assert as_fan["viewerAccess"]["decision"] == "REVIEW"
    assert as_fan["holder"] == {"name": "Northwind Studios"}

    holders = (await client.execute(VIEWER_HOLDERS, token=raj.token)).data["viewer"]["holders"]
    assert holders == [{"name": "Northwind Studios", "kind": "ORGANIZATION"}]


async def test_approved_creators_only(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    fan = await create_user(client, handle="fan")
    holder_id = await create_holder(client, ava)
    moss = await create_character(client, ava, holder_id, "Mossback", audience="APPROVED_CREATORS")

    async def access() -> dict[str, object]:
        node = (await client.execute(CHARACTER, {"id": moss}, token=fan.token)).data["node"]
        return node["viewerAccess"]  # type: ignore[no-any-return]

    assert (await access())["decision"] == "DENY"
    assert (await access())["reasons"] == [{"code": "NOT_APPROVED", "character": {"name": "Mossback"}}]
    approved = await client.execute(APPROVE, {"id": moss, "handle": "fan"}, token=ava.token)
    assert approved.data["approveCreator"]["userErrors"] == []
    assert (await access())["decision"] == "ALLOW"
    await client.execute(REVOKE, {"id": moss, "handle": "fan"}, token=ava.token)
    assert (await access())["decision"] == "DENY"


async def test_signed_out_readers_see_characters_but_not_members(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder_id = await create_holder(client, ava)
    await create_character(client, ava, holder_id, "Bolt")
    public = await client.execute(HOLDER_PUBLIC, {"id": holder_id})
    assert public.data["node"] == {"name": "Northwind Studios", "kind": "ORGANIZATION"}
    assert (await client.execute(HOLDER, {"id": holder_id})).error_codes() == ["UNAUTHENTICATED"]


async def test_non_members_are_forbidden_everywhere(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    mallory = await create_user(client, handle="mallory")
    holder_id = await create_holder(client, ava)
    nova = await create_character(client, ava, holder_id, "Captain Nova")
    before = [
        await count(db_pool, t) for t in ("holder_members", "characters", "character_policies", "creator_approvals")
    ]
    attempts = [
        (ADD_MEMBER, {"holderId": holder_id, "handle": "mallory"}),
        (CREATE_CHARACTER, {"input": {"holderId": holder_id, "name": "X", "aliases": [], "policy": policy()}}),
        (UPDATE, {"input": {"characterId": nova, "name": "Hacked"}}),
        (PUBLISH, {"input": {"characterId": nova, "policy": policy(audience="OPTED_OUT")}}),
        (APPROVE, {"id": nova, "handle": "mallory"}),
        (REVOKE, {"id": nova, "handle": "ava"}),
        (HOLDER, {"id": holder_id}),
        (DENIED, {"id": nova}),
    ]
    for document, variables in attempts:
        result = await client.execute(document, variables, token=mallory.token)
        assert result.error_codes() == ["FORBIDDEN"], document
        signed_out = await client.execute(document, variables)
        assert signed_out.error_codes() == ["UNAUTHENTICATED"], document
    after = [
        await count(db_pool, t) for t in ("holder_members", "characters", "character_policies", "creator_approvals")
    ]
    assert after == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"revenueShareBps": 10001}, "revenueShareBps"),
        ({"revenueShareBps": -1}, "revenueShareBps"),
        ({"maxDurationSeconds": 0}, "maxDurationSeconds"),
        ({"maxDurationSeconds": 61}, "maxDurationSeconds"),
        ({"generationFee": "100.000001"}, "generationFee"),
        ({"generationFee": "0.1234567"}, "generationFee"),
        ({"generationFee": "-1"}, "generationFee"),
        ({"generationFee": "1e3"}, "generationFee"),
        ({"bannedTerms": ["x" * 101]}, "bannedTerms"),
        ({"bannedTerms": [f"term{i}" for i in range(201)]}, "bannedTerms"),
        ({"bannedTerms": [""]}, "bannedTerms"),
        ({"audience": "MUTUALS"}, "audience"),
        ({"blockedCoCharacterIds": ["garbage"]}, "blockedCoCharacterIds"),
        ({"attribution": "a" * 201}, "attribution"),
    ],
)
async def test_bad_policy_fields_are_invalid_and_write_nothing(
    client: GraphQLClient, db_pool: asyncpg.Pool, overrides: dict[str, object], field: str
) -> None:
    ava = await create_user(client, handle="ava")
    holder_id = await create_holder(client, ava)
    nova = await create_character(client, ava, holder_id, "Captain Nova")
    values = {"holderId": holder_id, "name": "Bolt", "aliases": [], "policy": policy(**overrides)}
    created = (await client.execute(CREATE_CHARACTER, {"input": values}, token=ava.token)).data["createCharacter"]
    assert created["character"] is None
    assert [(e["code"], e["field"]) for e in created["userErrors"]] == [("INVALID", ["input", "policy", field])]
    published = await client.execute(
        PUBLISH, {"input": {"characterId": nova, "policy": policy(**overrides)}}, token=ava.token
    )
    errors = published.data["publishPolicy"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["input", "policy", field])]
    assert (await count(db_pool, "characters"), await count(db_pool, "character_policies")) == (1, 1)


async def test_every_bad_field_is_reported_at_once(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder_id = await create_holder(client, ava)
    bad = policy(revenueShareBps=20000, maxDurationSeconds=0, generationFee="abc")
    values = {"holderId": holder_id, "name": "", "aliases": [""], "policy": bad}
    errors = (await client.execute(CREATE_CHARACTER, {"input": values}, token=ava.token)).data["createCharacter"][
        "userErrors"
    ]
    fields = sorted(tuple(e["field"]) for e in errors)
    assert fields == [
        ("input", "aliases"),
        ("input", "name"),
        ("input", "policy", "generationFee"),
        ("input", "policy", "maxDurationSeconds"),
        ("input", "policy", "revenueShareBps"),
    ]


async def test_character_names_are_unique_per_holder(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder_id = await create_holder(client, ava)
    await create_character(client, ava, holder_id, "Bolt")
    values = {"holderId": holder_id, "name": "BOLT", "aliases": [], "policy": policy()}
    errors = (await client.execute(CREATE_CHARACTER, {"input": values}, token=ava.token)).data["createCharacter"][
        "userErrors"
    ]
    assert [(e["code"], e["field"]) for e in errors] == [("TAKEN", ["input", "name"])]


async def test_not_found_targets(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder_id = await create_holder(client, ava)
    nova = await create_character(client, ava, holder_id, "Nova")
    missing_holder = await client.execute(ADD_MEMBER, {"holderId": nova, "handle": "ava"}, token=ava.token)
    assert [e["code"] for e in missing_holder.data["addHolderMember"]["userErrors"]] == ["NOT_FOUND"]
    missing_user = await client.execute(ADD_MEMBER, {"holderId": holder_id, "handle": "ghost"}, token=ava.token)
    assert [e["field"] for e in missing_user.data["addHolderMember"]["userErrors"]] == [["handle"]]
    approve_ghost = await client.execute(APPROVE, {"id": nova, "handle": "ghost"}, token=ava.token)
    assert [e["code"] for e in approve_ghost.data["approveCreator"]["userErrors"]] == ["NOT_FOUND"]
    update_missing = await client.execute(UPDATE, {"input": {"characterId": holder_id, "name": "x"}}, token=ava.token)
    assert [e["code"] for e in update_missing.data["updateCharacter"]["userErrors"]] == ["NOT_FOUND"]


async def test_blocked_co_characters_resolve(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder_id = await create_holder(client, ava)
    villain = await create_character(client, ava, holder_id, "Shadow Queen")
    hero = await create_character(client, ava, holder_id, "Bolt", blockedCoCharacterIds=[villain], bannedTerms=["war"])
    node = (await client.execute(CHARACTER, {"id": hero})).data["node"]
    assert node["policy"]["blockedCoCharacters"] == [{"name": "Shadow Queen"}]
    assert node["policy"]["bannedTerms"] == ["war"]
