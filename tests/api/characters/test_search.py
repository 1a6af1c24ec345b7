"""Query.characters: prefix and similarity matches on names and aliases, ranked by followers."""

from __future__ import annotations

import asyncpg

from tests.helpers import GraphQLClient, create_character, create_holder, create_user

SEARCH = """
query Search($search: String, $first: Int, $after: String) {
  characters(search: $search, first: $first, after: $after) {
    edges { cursor node { name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def names(client: GraphQLClient, search: str | None, first: int = 20) -> list[str]:
    result = await client.execute(SEARCH, {"search": search, "first": first})
    return [edge["node"]["name"] for edge in result.data["characters"]["edges"]]


async def test_search_by_prefix_alias_and_similarity(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await create_character(client, ava, holder, "Captain Nova", ["Nova"])
    await create_character(client, ava, holder, "Bolt the Robot", ["Bolt"])
    await create_character(client, ava, holder, "Novak", [])
    await db_pool.execute("UPDATE characters SET follower_count = 5 WHERE name = 'Novak'")
    assert await names(client, "nov") == ["Novak", "Captain Nova"]  # prefix of name and of alias; followers first
    assert await names(client, "Captian Nova") == ["Captain Nova"]  # similarity tolerates a typo
    assert await names(client, "bolt") == ["Bolt the Robot"]
    assert await names(client, "zzz") == []
    assert await names(client, None) == ["Novak", "Bolt the Robot", "Captain Nova"]
    assert await names(client, "%") == []  # LIKE wildcards are taken literally


async def test_search_pages_without_gaps_or_duplicates(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    for n in range(7):
        await create_character(client, ava, holder, f"Hero {n}")
    seen: list[str] = []
    after = None
    while True:
        result = await client.execute(SEARCH, {"first": 3, "after": after})
        page = result.data["characters"]
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"Hero {n}" for n in range(7)]


async def test_first_over_100_by_variable_and_bad_cursor(client: GraphQLClient) -> None:
    assert (await client.execute(SEARCH, {"first": 101})).error_codes() == ["BAD_USER_INPUT"]
    assert (await client.execute(SEARCH, {"after": "nonsense"})).error_codes() == ["BAD_USER_INPUT"]
    literal = await client.execute("{ characters(first: 101) { edges { cursor } } }")
    assert literal.errors and "at most 100" in literal.errors[0]["message"]
