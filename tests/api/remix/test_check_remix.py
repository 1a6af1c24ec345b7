"""checkRemix: detection, per-character decisions, rating and price; it charges and records nothing.
Also the denial counting that createRemix calls, tested directly."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from starlette.applications import Starlette

from api.context import Services
from api.ids import from_global_id
from db.catalog import Catalog
from db.remix import PricingConfig, RemixRequest, plan_remix, record_denial
from domain.policy import Decision
from settings import Settings
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user, policy

CHECK = """
query Check($input: RemixInput!) {
  checkRemix(input: $input) {
    decision rating price { micros formatted }
    characters { name }
    decisions { decision reasons { code character { name } } }
  }
}
"""
CREATE_CAMEO = """
mutation Cameo($input: CreateCameoInput!) {
  createCameo(input: $input) { character { id name aliases kind holder { kind } } userErrors { field code } }
}
"""
DENIED = """
query Denied($id: ID!) {
  node(id: $id) {
    ... on Character { deniedAttempts(from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z") { code count } }
  }
}
"""


async def check(client: GraphQLClient, account: Account, prompt: str, **extra: object) -> dict[str, object]:
    variables = {"input": {"prompt": prompt, "characterIds": [], **extra}}
    result = await client.execute(CHECK, variables, token=account.token)
    return result.data["checkRemix"]  # type: ignore[no-any-return]


async def studio(client: GraphQLClient) -> tuple[Account, dict[str, str]]:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    ids = {
        "nova": await create_character(client, ava, holder, "Captain Nova", ["Nova"], generationFee="0.25"),
        "bolt": await create_character(client, ava, holder, "Bolt", requiresReview=True, maxRating="PG"),
        "queen": await create_character(client, ava, holder, "Shadow Queen", audience="OPTED_OUT"),
    }
    return ava, ids


async def test_allowed_character_with_fee_and_free_generation(client: GraphQLClient) -> None:
    await studio(client)
    fan = await create_user(client, handle="fan")
    result = await check(client, fan, "Captain N0va explores a calm nebula", durationSeconds=10)
    assert result["decision"] == "ALLOW"
    assert result["characters"] == [{"name": "Captain Nova"}]
    assert result["rating"] == "G"
    # base price waived (first free generation of the day), the fee is never waived
    assert result["price"] == {"micros": "250000", "formatted": "$0.25"}


async def test_review_character(client: GraphQLClient) -> None:
    await studio(client)
    fan = await create_user(client, handle="fan")
    result = await check(client, fan, "bolt waters a garden")
    assert result["decision"] == "REVIEW"
    assert result["decisions"] == [
        {"decision": "REVIEW", "reasons": [{"code": "REVIEW_REQUIRED", "character": {"name": "Bolt"}}]}
    ]


async def test_denied_character_and_overall_deny(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    _, ids = await studio(client)
    fan = await create_user(client, handle="fan")
    result = await check(client, fan, "The Shadow Queen meets Bolt", characterIds=[ids["nova"]])
    assert result["decision"] == "DENY"
    names = [c["name"] for c in result["characters"]]  # type: ignore[attr-defined]
    assert names[0] == "Captain Nova" and sorted(names) == ["Bolt", "Captain Nova", "Shadow Queen"]
    by_name = dict(zip(names, result["decisions"], strict=True))  # type: ignore[call-overload]
    assert by_name["Shadow Queen"]["reasons"] == [{"code": "OPTED_OUT", "character": {"name": "Shadow Queen"}}]
    assert by_name["Captain Nova"]["decision"] == "ALLOW"
    # a dry run records nothing
    assert await db_pool.fetchval("SELECT count(*) FROM denied_attempts") == 0


async def test_members_are_always_allowed(client: GraphQLClient) -> None:
    ava, _ = await studio(client)
    result = await check(client, ava, "The Shadow Queen in a gory battle", durationSeconds=60)
    assert result["decision"] == "ALLOW" and result["rating"] == "R"
    # members pay no fee for their own characters; the first generation is free
    assert result["price"]["micros"] == "0"  # type: ignore[index]


async def test_rating_above_max_is_denied(client: GraphQLClient) -> None:
    await studio(client)
    fan = await create_user(client, handle="fan")
    result = await check(client, fan, "Bolt in a bloody gory massacre")
    assert result["decision"] == "DENY"
    codes = [r["code"] for r in result["decisions"][0]["reasons"]]  # type: ignore[index]
    assert "RATING" in codes


async def test_bad_input_is_a_user_input_error(client: GraphQLClient) -> None:
    fan = await create_user(client, handle="fan")
    for extra in ({"characterIds": ["garbage"]}, {"durationSeconds": 0}, {"remixOfId": "garbage"}):
        variables = {"input": {"prompt": "hello", "characterIds": [], **extra}}
        assert (await client.execute(CHECK, variables, token=fan.token)).error_codes() == ["BAD_USER_INPUT"]
    assert (await client.execute(CHECK, {"input": {"prompt": "x", "characterIds": []}})).error_codes() == [
        "UNAUTHENTICATED"
    ]


async def test_too_many_characters(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    ids = [await create_character(client, ava, holder, f"Hero {n}") for n in "ABCDE"]
    variables = {"input": {"prompt": "a parade", "characterIds": ids}}
    assert (await client.execute(CHECK, variables, token=ava.token)).error_codes() == ["BAD_USER_INPUT"]


async def test_cameo_restricted_to_mutuals(client: GraphQLClient, db_pool: asyncpg.Pool) -> None:
    mia = await create_user(client, handle="mia_makes", displayName="Mia Makes")
    fan = await create_user(client, handle="fan")
    cameo_input = {"aliases": ["Mimi"], "policy": policy(audience="MUTUALS")}
    created = (await client.execute(CREATE_CAMEO, {"input": cameo_input}, token=mia.token)).data["createCameo"]
    assert created["userErrors"] == []
    cameo = created["character"]
    assert cameo["kind"] == "CAMEO" and cameo["holder"] == {"kind": "PERSON"}
    assert set(cameo["aliases"]) >= {"mia_makes", "@mia_makes", "Mia Makes", "Mimi"}

    denied = await check(client, fan, "@mia_makes dances in the rain")
    assert denied["decisions"] == [
        {"decision": "DENY", "reasons": [{"code": "NOT_MUTUALS", "character": {"name": "Mia Makes"}}]}
    ]
    users = {h: from_global_id(a.id)[1] for h, a in (("mia", mia), ("fan", fan))}  # type: ignore[index]
    await db_pool.execute("INSERT INTO user_follows VALUES ($1, $2)", users["fan"], users["mia"])
    assert (await check(client, fan, "Mimi dances"))["decision"] == "DENY"  # following alone is not enough
    await db_pool.execute("INSERT INTO user_follows VALUES ($1, $2)", users["mia"], users["fan"])
    assert (await check(client, fan, "Mimi dances"))["decision"] == "ALLOW"

    again = (await client.execute(CREATE_CAMEO, {"input": cameo_input}, token=mia.token)).data["createCameo"]
    assert [e["code"] for e in again["userErrors"]] == ["CONFLICT"]


async def test_mutuals_is_invalid_for_organisations(client: GraphQLClient) -> None:
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    values = {"holderId": holder, "name": "Nova", "aliases": [], "policy": policy(audience="MUTUALS")}
    from tests.helpers import CREATE_CHARACTER

    errors = (await client.execute(CREATE_CHARACTER, {"input": values}, token=ava.token)).data["createCharacter"][
        "userErrors"
    ]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["input", "policy", "audience"])]


async def test_record_denial_counts_per_character_and_reason(
    client: GraphQLClient, app: Starlette, db_pool: asyncpg.Pool
) -> None:
    ava, ids = await studio(client)
    fan = await create_user(client, handle="fan")
    services: Services = app.state.services
    config = PricingConfig(price_per_second_micros=20000, free_per_day=3, max_characters=4)
    fan_id = from_global_id(fan.id)[1]  # type: ignore[index]
    request = RemixRequest(fan_id, "The Shadow Queen and Bolt", (), None, 5)
    for _ in range(2):
        async with db_pool.acquire() as conn:
            plan = await plan_remix(conn, services.catalog, config, request)
            assert plan.decision.decision is Decision.DENY
            await record_denial(conn, plan.decision)
    queen = (await client.execute(DENIED, {"id": ids["queen"]}, token=ava.token)).data["node"]["deniedAttempts"]
    assert queen == [{"code": "OPTED_OUT", "count": 2}]
    bolt = (await client.execute(DENIED, {"id": ids["bolt"]}, token=ava.token)).data["node"]["deniedAttempts"]
    assert bolt == []  # Bolt only reviews: not a denial
    # nothing of the refused request but the counters is stored
    assert await db_pool.fetchval("SELECT count(*) FROM videos") == 0


async def test_new_characters_are_detected_by_every_process_within_a_second(
    client: GraphQLClient, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    assert settings.database_url
    other_process = Catalog(settings.database_url)  # another process's automaton and listener
    try:
        async with db_pool.acquire() as conn:
            assert (await other_process.detector(conn)).find("Zorblax attacks") == set()
        ava = await create_user(client, handle="ava")
        holder = await create_holder(client, ava)
        zorblax = await create_character(client, ava, holder, "Zorblax", ["The Zorb"])
        expected = {from_global_id(zorblax)[1]}  # type: ignore[index]
        deadline = asyncio.get_running_loop().time() + 1.0
        found: set[uuid.UUID] = set()
        while asyncio.get_running_loop().time() < deadline and found != expected:
            async with db_pool.acquire() as conn:
                found = (await other_process.detector(conn)).find("the zorb attacks")
            await asyncio.sleep(0.01)
        assert found == expected
    finally:
        await other_process.close()
