"""Detection, explained (RULES §2): RemixCheck.matches says which words matched which alias and how,
a described character is featured, and POLICY_DENIED says what brought a refusing character in."""

from __future__ import annotations

import asyncpg

from tests.helpers import (
    CREATE_REMIX,
    GraphQLClient,
    create_character,
    create_holder,
    create_user,
)

CHECK = """
query Check($input: RemixInput!) {
  checkRemix(input: $input) {
    decision
    characters { name }
    matches { kind text alias character { name } }
  }
}
"""
SET_TRAITS = """
mutation Traits($input: UpdateCharacterInput!) { updateCharacter(input: $input) { userErrors { code } } }
"""
DENIED = """
query Denied($id: ID!) {
  node(id: $id) {
    ... on Character { deniedAttempts(from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z") { code count } }
  }
}
"""
TRAITS = ["purple tentacles", "three eyes", "laser monocle", "crystal crown"]


async def test_matches_say_which_words_matched_which_alias(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    zorblax = await create_character(client, ava, holder, "Zorblax", ["Zorblax the Devourer"])
    await create_character(client, ava, holder, "Mirabelle Quickfoot", ["Quickfoot"])
    await create_character(client, ava, holder, "Krakenhorn")
    fan = await create_user(client, handle="fan")
    prompt = "Zobrlax races QUICK-FOOT past a #KrakenhornFan banner"
    result = await client.execute(CHECK, {"input": {"prompt": prompt, "characterIds": [zorblax]}}, token=fan.token)
    matches = result.data["checkRemix"]["matches"]
    assert matches[0] == {"kind": "TAGGED", "text": "", "alias": None, "character": {"name": "Zorblax"}}
    assert {"kind": "FUZZY", "text": "Zobrlax", "alias": "Zorblax", "character": {"name": "Zorblax"}} in matches
    assert {
        "kind": "NORMALISED",
        "text": "QUICK-FOOT",
        "alias": "Quickfoot",
        "character": {"name": "Mirabelle Quickfoot"},
    } in matches
    assert {
        "kind": "NORMALISED",
        "text": "#KrakenhornFan",
        "alias": "Krakenhorn",
        "character": {"name": "Krakenhorn"},
    } in matches
    names = {c["name"] for c in result.data["checkRemix"]["characters"]}
    assert names == {"Zorblax", "Mirabelle Quickfoot", "Krakenhorn"}


async def test_everyday_prompt_matches_nothing(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await create_character(client, ava, holder, "Glimmerwing")
    await create_character(client, ava, holder, "Sonika")
    fan = await create_user(client, handle="fan")
    prompt = "A glimmering lake at dusk, a sonic boom far away, tonic water on the table"
    result = await client.execute(CHECK, {"input": {"prompt": prompt, "characterIds": []}}, token=fan.token)
    assert result.data["checkRemix"]["matches"] == []


async def test_described_character_opted_out_is_denied_and_explained(client: GraphQLClient, db: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    character = await create_character(client, ava, holder, "Zorblax", audience="OPTED_OUT")
    traits = await client.execute(
        SET_TRAITS, {"input": {"characterId": character, "descriptors": TRAITS}}, token=ava.token
    )
    assert traits.data["updateCharacter"]["userErrors"] == []
    fan = await create_user(client, handle="fan")
    prompt = "a space squid with purple tentacles, three eyes and a laser monocle eats ramen"
    checked = await client.execute(CHECK, {"input": {"prompt": prompt, "characterIds": []}}, token=fan.token)
    assert checked.data["checkRemix"]["decision"] == "DENY"
    described = [m for m in checked.data["checkRemix"]["matches"] if m["kind"] == "DESCRIBED"]
    assert {m["alias"] for m in described} == {"purple tentacles", "three eyes", "laser monocle"}
    created = await client.execute(CREATE_REMIX, {"input": {"prompt": prompt, "characterIds": []}}, token=fan.token)
    payload = created.data["createRemix"]
    assert payload["video"] is None
    (error,) = payload["userErrors"]
    assert error["code"] == "POLICY_DENIED"
    assert "purple tentacles" in error["message"] and "Zorblax" in error["message"]
    assert await db.fetchval("SELECT count(*) FROM videos") == 0
    counts = await client.execute(DENIED, {"id": character}, token=ava.token)
    assert counts.data["node"]["deniedAttempts"] == [{"code": "OPTED_OUT", "count": 1}]


async def test_two_traits_below_the_threshold_do_not_feature(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    character = await create_character(client, ava, holder, "Zorblax")
    await client.execute(SET_TRAITS, {"input": {"characterId": character, "descriptors": TRAITS}}, token=ava.token)
    fan = await create_user(client, handle="fan")
    prompt = "a robot with three eyes and a crystal crown"
    checked = await client.execute(CHECK, {"input": {"prompt": prompt, "characterIds": []}}, token=fan.token)
    assert checked.data["checkRemix"]["characters"] == []
