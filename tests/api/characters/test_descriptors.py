"""Descriptors (members only, validated, nothing written on refusal) and aliasWarnings (RULES §2)."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.helpers import GraphQLClient, create_character, create_holder, create_user, policy

CREATE = """
mutation Create($input: CreateCharacterInput!) {
  createCharacter(input: $input) {
    character { id name descriptors descriptorThreshold }
    aliasWarnings { alias code message other { name } }
    userErrors { field code }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateCharacterInput!) {
  updateCharacter(input: $input) {
    character { descriptors descriptorThreshold }
    aliasWarnings { alias code other { name } }
    userErrors { field code }
  }
}
"""
CAMEO = """
mutation Cameo($input: CreateCameoInput!) {
  createCameo(input: $input) { aliasWarnings { alias code } userErrors { field code } }
}
"""
READ = "query Read($id: ID!) { node(id: $id) { ... on Character { name descriptors descriptorThreshold } } }"
TRAITS = ["purple tentacles", "three eyes", "laser monocle", "crystal crown"]


def _input(holder: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"input": {"holderId": holder, "name": name, "aliases": [], "policy": policy(), **extra}}


async def test_descriptors_are_stored_and_shown_to_members_only(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    created = await client.execute(
        CREATE, _input(holder, "Zorblax", descriptors=TRAITS, descriptorThreshold=2), token=ava.token
    )
    payload = created.data["createCharacter"]
    assert payload["userErrors"] == []
    assert payload["character"]["descriptors"] == TRAITS
    assert payload["character"]["descriptorThreshold"] == 2
    fan = await create_user(client, handle="fan")
    seen = (await client.execute(READ, {"id": payload["character"]["id"]}, token=fan.token)).data["node"]
    assert seen == {"name": "Zorblax", "descriptors": None, "descriptorThreshold": None}


async def test_invalid_descriptors_write_nothing(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    cases = [
        ({"descriptors": [f"trait {i}" for i in range(21)]}, ["input", "descriptors"]),
        ({"descriptors": ["x" * 61]}, ["input", "descriptors"]),
        ({"descriptors": ["   "]}, ["input", "descriptors"]),
        ({"descriptors": TRAITS, "descriptorThreshold": 1}, ["input", "descriptorThreshold"]),
        ({"descriptorThreshold": 11}, ["input", "descriptorThreshold"]),
    ]
    for extra, field in cases:
        result = await client.execute(CREATE, _input(holder, "Zorblax", **extra), token=ava.token)
        assert result.data["createCharacter"]["userErrors"] == [{"field": field, "code": "INVALID"}]
    assert await db.fetchval("SELECT count(*) FROM characters") == 0


async def test_update_descriptors_members_only(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    character = await create_character(client, ava, holder, "Zorblax")
    updated = await client.execute(
        UPDATE, {"input": {"characterId": character, "descriptors": TRAITS}}, token=ava.token
    )
    assert updated.data["updateCharacter"]["character"] == {"descriptors": TRAITS, "descriptorThreshold": 3}
    refused = await client.execute(
        UPDATE, {"input": {"characterId": character, "descriptorThreshold": 0}}, token=ava.token
    )
    assert refused.data["updateCharacter"]["userErrors"] == [
        {"field": ["input", "descriptorThreshold"], "code": "INVALID"}
    ]
    mallory = await create_user(client, handle="mallory")
    forbidden = await client.execute(
        UPDATE, {"input": {"characterId": character, "descriptors": ["a hat"]}}, token=mallory.token
    )
    assert forbidden.error_codes() == ["FORBIDDEN"]
    row = await db.fetchrow("SELECT descriptors, descriptor_threshold FROM characters")
    assert (list(row["descriptors"]), row["descriptor_threshold"]) == (TRAITS, 3)


async def test_alias_warnings_never_refuse(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await create_character(client, ava, holder, "Mirabelle Quickfoot", ["Quickfoot"])
    created = await client.execute(
        CREATE, _input(holder, "Bolt", aliases=["Ax", "Quikfoot", "Zantorix"]), token=ava.token
    )
    payload = created.data["createCharacter"]
    assert payload["userErrors"] == [] and payload["character"]["name"] == "Bolt"
    warnings = {(w["alias"], w["code"], (w["other"] or {}).get("name")) for w in payload["aliasWarnings"]}
    assert warnings == {
        ("Bolt", "COMMON_WORD", None),
        ("Ax", "SHORT", None),
        ("Ax", "COMMON_WORD", None),
        ("Quikfoot", "COLLIDES", "Mirabelle Quickfoot"),
    }
    assert all(w["message"] for w in payload["aliasWarnings"])


async def test_update_and_cameo_warn_too(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    character = await create_character(client, ava, holder, "Zorblax")
    updated = await client.execute(
        UPDATE, {"input": {"characterId": character, "aliases": ["The Baron"]}}, token=ava.token
    )
    assert updated.data["updateCharacter"]["aliasWarnings"] == [
        {"alias": "The Baron", "code": "COMMON_WORD", "other": None}
    ]
    mia = await create_user(client, handle="mia")
    cameo = await client.execute(CAMEO, {"input": {"aliases": ["Sunshine"], "policy": policy()}}, token=mia.token)
    assert {"alias": "Sunshine", "code": "COMMON_WORD"} in cameo.data["createCameo"]["aliasWarnings"]
