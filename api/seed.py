"""Demo data for `make run`, created through the GraphQL API itself (so it obeys every rule).

Idempotent: when the first demo account exists, nothing is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
from arq.connections import ArqRedis

from api.context import Services, build_context
from api.schema import schema
from db.catalog import Catalog
from settings import Settings
from workers.storage import storage_for

PASSWORD = "fanreel-demo-1"
CREATORS = [("demo_fan", "Demo Fan"), ("mia_makes", "Mia Makes"), ("leo_loops", "Leo Loops")]
STAFF = [("studio_ava", "Ava (Northwind Studios)"), ("indie_raj", "Raj (Pixel Fable Games)")]

OPEN = {
    "audience": "EVERYONE",
    "requiresReview": False,
    "allowDerivatives": True,
    "allowCrossovers": True,
    "blockedCoCharacterIds": [],
    "maxRating": "PG13",
    "bannedTerms": [],
    "maxDurationSeconds": 30,
    "attribution": None,
    "revenueShareBps": 1500,
    "generationFee": "0",
    "onRestrict": "KEEP",
}
CHARACTERS = [
    # (holder index, name, aliases, description, policy overrides)
    (
        0,
        "Captain Nova",
        ["Nova", "Cap Nova"],
        "A starship captain who never loses her cool.",
        {"attribution": "Captain Nova © Northwind Studios", "revenueShareBps": 2000, "generationFee": "0.25"},
    ),
    (
        0,
        "Bolt the Robot",
        ["Bolt"],
        "A small robot with a big heart.",
        {"requiresReview": True, "maxRating": "PG", "bannedTerms": ["weapon", "explosion"], "maxDurationSeconds": 15},
    ),
    (
        0,
        "Shadow Queen",
        ["The Shadow Queen"],
        "Northwind's villain, kept out of fan videos.",
        {"audience": "OPTED_OUT"},
    ),
    (
        1,
        "Pip the Fox",
        ["Pip"],
        "A curious fox from Pixel Fable's forest games.",
        {"allowCrossovers": False, "generationFee": "0.10", "attribution": "Pip © Pixel Fable Games"},
    ),
    (
        1,
        "Mossback",
        ["Moss"],
        "An ancient turtle, for approved creators only.",
        {"audience": "APPROVED_CREATORS", "revenueShareBps": 3000},
    ),
]


@dataclass
class Seeder:
    services: Services
    tokens: dict[str, str] = field(default_factory=dict)

    async def run(self, document: str, variables: dict[str, Any], as_user: str | None = None) -> dict[str, Any]:
        token = self.tokens.get(as_user) if as_user else None
        context = await build_context(self.services, None, f"Bearer {token}" if token else None)
        result = await schema.execute(document, variables, context_value=context)
        assert not result.errors, result.errors
        assert result.data is not None
        data: dict[str, Any] = result.data
        payload = next(iter(data.values()))
        assert not payload.get("userErrors"), payload["userErrors"]
        return data

    async def sign_up(self, handle: str, name: str) -> None:
        values = {"handle": handle, "displayName": name, "email": f"{handle}@example.com", "password": PASSWORD}
        data = await self.run(SIGN_UP, {"input": values})
        self.tokens[handle] = data["signUp"]["token"]


SIGN_UP = "mutation($input: SignUpInput!) { signUp(input: $input) { token userErrors { code message } } }"
CREATE_HOLDER = (
    "mutation($input: CreateHolderInput!) { createHolder(input: $input) { holder { id } userErrors { code } } }"
)
CREATE_CHARACTER = """mutation($input: CreateCharacterInput!) {
  createCharacter(input: $input) { character { id } userErrors { code message field } } }"""
CREATE_CAMEO = (
    "mutation($input: CreateCameoInput!) { createCameo(input: $input) { character { id } userErrors { code } } }"
)
APPROVE = "mutation($c: ID!, $h: String!) { approveCreator(characterId: $c, handle: $h) { userErrors { code } } }"


async def seed(services: Services) -> str:
    async with services.pool.acquire() as conn:
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users WHERE handle = $1)", CREATORS[0][0]):
            return "demo data already loaded"
    seeder = Seeder(services)
    for handle, name in CREATORS + STAFF:
        await seeder.sign_up(handle, name)
    holder_ids = []
    for staff, holder_name in zip(STAFF, ["Northwind Studios", "Pixel Fable Games"], strict=True):
        data = await seeder.run(CREATE_HOLDER, {"input": {"name": holder_name}}, staff[0])
        holder_ids.append(data["createHolder"]["holder"]["id"])
    character_ids = {}
    for holder, name, aliases, description, overrides in CHARACTERS:
        values = {
            "holderId": holder_ids[holder],
            "name": name,
            "aliases": aliases,
            "description": description,
            "policy": OPEN | overrides,
        }
        data = await seeder.run(CREATE_CHARACTER, {"input": values}, STAFF[holder][0])
        character_ids[name] = data["createCharacter"]["character"]["id"]
    await seeder.run(APPROVE, {"c": character_ids["Mossback"], "h": "mia_makes"}, STAFF[1][0])
    cameo = {
        "aliases": ["Mia"],
        "description": "Mia's own likeness, for her mutual followers.",
        "policy": OPEN | {"audience": "MUTUALS", "revenueShareBps": 2500},
    }
    await seeder.run(CREATE_CAMEO, {"input": cameo}, "mia_makes")
    return f"seeded {len(seeder.tokens)} users, 2 organisations, {len(CHARACTERS)} characters and 1 cameo"


async def seed_url(settings: Settings) -> str:
    assert settings.database_url and settings.redis_url
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    redis = ArqRedis.from_url(settings.redis_url)
    catalog = Catalog(settings.database_url)
    try:
        services = Services(settings=settings, pool=pool, redis=redis, catalog=catalog, storage=storage_for(settings))
        return await seed(services)
    finally:
        await catalog.close()
        await redis.aclose()
        await pool.close()
