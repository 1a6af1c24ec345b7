"""No name squatting (RULES §11): a verified holder's names and aliases are refused to others (TAKEN,
naming the character), and a cameo's display name is no alias when it is an everyday word or another
character's name."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.api.characters.test_verification import decide, operator, request
from tests.helpers import CREATE_CHARACTER, GraphQLClient, create_character, create_holder, create_user, policy

UPDATE = """
mutation Update($input: UpdateCharacterInput!) {
  updateCharacter(input: $input) { character { name aliases } userErrors { field code message } }
}
"""
CAMEO = """
mutation Cameo($input: CreateCameoInput!) {
  createCameo(input: $input) { character { name aliases } userErrors { field code message } }
}
"""


async def create(client: GraphQLClient, owner: Any, holder: str, name: str, aliases: list[str]) -> Any:
    values = {"holderId": holder, "name": name, "aliases": aliases, "policy": policy(audience="OPTED_OUT")}
    return (await client.execute(CREATE_CHARACTER, {"input": values}, token=owner.token)).data["createCharacter"]


async def test_a_verified_holders_names_are_taken(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava, sam = await create_user(client), await create_user(client)
    studio = await create_holder(client, ava, "Northwind")
    await create_character(client, ava, studio, "Captain Nova", ["Nova Prime"])
    squatter = await create_holder(client, sam, "Totally Northwind", verified=False)

    by_name = await create(client, sam, squatter, "captain-nova", [])
    assert by_name["character"] is None
    [error] = by_name["userErrors"]
    assert (error["field"], error["code"]) == (["input", "name"], "TAKEN") and "Captain Nova" in error["message"]
    by_alias = await create(client, sam, squatter, "Stellar", ["N0va Pr1me", "CaptainNova"])
    assert [(e["field"], e["code"]) for e in by_alias["userErrors"]] == [(["input", "aliases"], "TAKEN")] * 2
    assert await db.fetchval("SELECT count(*) FROM characters") == 1

    # Names that are only near (detection's typo tolerance) are not taken; renaming into one is.
    near = await create(client, sam, squatter, "Captain Novak", [])
    assert near["userErrors"] == []
    variables = {"input": {"characterId": near["character"]["id"], "aliases": ["Nova Prime"]}}
    renamed = (await client.execute(UPDATE, variables, token=sam.token)).data["updateCharacter"]
    assert [(e["field"], e["code"]) for e in renamed["userErrors"]] == [(["input", "aliases"], "TAKEN")]
    assert await db.fetchval("SELECT count(*) FROM character_aliases WHERE alias = 'Nova Prime'") == 1


async def test_between_unverified_holders_the_operator_decides(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava, sam, op = await create_user(client), await create_user(client), await operator(client, db)
    real = await create_holder(client, ava, "Northwind", verified=False)
    squatter = await create_holder(client, sam, "Not Northwind", verified=False)
    assert (await create(client, sam, squatter, "Zorblax", []))["userErrors"] == []
    assert (await create(client, ava, real, "Zorblax", []))["userErrors"] == []
    for holder, owner in ((real, ava), (squatter, sam)):
        await request(client, owner, holder)
    assert (await decide(client, op, real, True)).data["verifyHolder"]["holder"]["verification"] == "VERIFIED"
    # The second holder's claim to the name now collides with a verified holder's: refused, unchanged.
    refused = (await decide(client, op, squatter, True)).data["verifyHolder"]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["input", "holderId"], "TAKEN")]
    assert "Zorblax" in refused["userErrors"][0]["message"]
    assert await db.fetchval("SELECT verification FROM holders WHERE name = 'Not Northwind'") == "PENDING"


async def cameo(client: GraphQLClient, account: Any, aliases: list[str]) -> Any:
    values = {"aliases": aliases, "policy": policy(audience="OPTED_OUT")}
    return (await client.execute(CAMEO, {"input": values}, token=account.token)).data["createCameo"]


async def test_a_cameo_display_name_that_is_an_everyday_word_is_no_alias(client: GraphQLClient) -> None:
    sunny = await create_user(client, handle="sunny_one", displayName="Sunset")
    made = await cameo(client, sunny, [])
    assert made["character"] == {"name": "sunny_one", "aliases": ["sunny_one", "@sunny_one"]}
    # ...so her OPTED_OUT refuses nothing of everyday prompts.
    check = 'query { checkRemix(input: {prompt: "a sunset over the sea", characterIds: []}) { decision } }'
    fan = await create_user(client)
    assert (await client.execute(check, token=fan.token)).data["checkRemix"]["decision"] == "ALLOW"


async def test_a_cameo_display_name_of_another_character_is_no_alias(client: GraphQLClient) -> None:
    ava = await create_user(client)
    await create_character(client, ava, await create_holder(client, ava), "Captain Nova")
    nova = await create_user(client, handle="nova_fan", displayName="Captain Nova")
    made = await cameo(client, nova, [])
    assert made["character"] == {"name": "nova_fan", "aliases": ["nova_fan", "@nova_fan"]}
    # A display name of her own stays an alias and the cameo's name.
    mia = await create_user(client, handle="mia_makes", displayName="Mia Makes")
    assert (await cameo(client, mia, []))["character"]["aliases"] == ["mia_makes", "@mia_makes", "Mia Makes"]


async def test_a_cameo_alias_of_a_verified_character_is_taken(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava = await create_user(client)
    await create_character(client, ava, await create_holder(client, ava), "Captain Nova")
    fan = await create_user(client, handle="fan_one", displayName="Fan One")
    refused = await cameo(client, fan, ["Captain Nova"])
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["input", "aliases"], "TAKEN")]
    assert await db.fetchval("SELECT count(*) FROM characters WHERE kind = 'CAMEO'") == 0
