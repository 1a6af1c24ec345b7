"""Demo data for `make run`, created through the GraphQL API itself (so it obeys every rule).

Idempotent: when the first demo account exists, nothing is done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from arq.connections import ArqRedis

from api.context import Services, build_context
from api.ids import decode_id, from_global_id
from api.schema import schema
from db.catalog import Catalog
from db.ledger_cli import grant
from db.queries import holders
from db.verification import verify
from settings import Settings
from workers.drafting import Drafter
from workers.generate import generate
from workers.generators import GeneratorError, build_generator
from workers.storage import storage_for
from workers.trending import recompute

logger = logging.getLogger(__name__)
PASSWORD = "fanreel-demo-1"
CREATORS = [("demo_fan", "Demo Fan"), ("mia_makes", "Mia Makes"), ("leo_loops", "Leo Loops")]
STAFF = [("studio_ava", "Ava (Northwind Studios)"), ("indie_raj", "Raj (Pixel Fable Games)")]

OPEN: dict[str, object] = {
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
CHARACTERS: list[tuple[int, str, list[str], str, dict[str, object]]] = [
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

    async def verify(self, holder_id: str) -> None:
        """The demo studios are verified, as an operator would (RULES §11), so their characters are detected."""
        async with self.services.pool.acquire() as conn, conn.transaction():
            holder = await holders.lock_holder(conn, holder_id=decode_id(holder_id, "Holder"))  # type: ignore[arg-type]
            assert holder is not None
            await verify(conn, self.services.catalog, holder, approve=True, decided_by=None, note="demo data")

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
        await seeder.verify(holder_ids[-1])
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
    videos = await seed_social(seeder, character_ids)
    return (
        f"seeded {len(seeder.tokens)} users, 2 organisations, {len(CHARACTERS)} characters, 1 cameo "
        f"and {videos} videos with likes, comments and a remix"
    )


FOLLOW = "mutation($id: ID!) { followUser(userId: $id) { userErrors { code } } }"
FOLLOW_CHARACTER = "mutation($id: ID!) { followCharacter(characterId: $id) { userErrors { code } } }"
USER_ID = "query($h: String!) { user(handle: $h) { id } }"
CREATE_REMIX = """mutation($input: RemixInput!) {
  createRemix(input: $input) { video { id } userErrors { code message } } }"""
PUBLISH = """mutation($id: ID!, $c: String) {
  publishVideo(videoId: $id, caption: $c) { video { status } userErrors { code } } }"""
REVIEW = "mutation($input: ReviewVideoInput!) { reviewVideo(input: $input) { userErrors { code } } }"
LIKE = "mutation($id: ID!) { likeVideo(videoId: $id) { userErrors { code } } }"
COMMENT = "mutation($id: ID!, $b: String!) { addComment(videoId: $id, body: $b) { userErrors { code } } }"
# (creator, prompt, caption, remix of the video at this index or None)
VIDEOS = [
    ("mia_makes", "Captain Nova races a comet past the rings of Saturn", "Full throttle!", None),
    ("leo_loops", "Pip the Fox explores a moonlit forest full of fireflies", "Night walk", None),
    ("leo_loops", "Captain Nova races a comet past Saturn, now in a meteor shower", "Remixed with extra meteors", 0),
    ("mia_makes", "Bolt the Robot waters a tiny rooftop garden at sunrise", "Morning routine", None),
    ("demo_fan", "Captain Nova teaches a cooking class on her starship", None, None),
]


async def seed_social(seeder: Seeder, character_ids: dict[str, str]) -> int:
    """Follows, generated and published videos (one through holder review), a remix, likes and comments."""
    ids = {h: (await seeder.run(USER_ID, {"h": h}))["user"]["id"] for h, _ in CREATORS}
    for follower, followee in (
        ("demo_fan", "mia_makes"),
        ("demo_fan", "leo_loops"),
        ("mia_makes", "leo_loops"),
        ("leo_loops", "mia_makes"),
    ):
        await seeder.run(FOLLOW, {"id": ids[followee]}, follower)
    await seeder.run(FOLLOW_CHARACTER, {"id": character_ids["Captain Nova"]}, "demo_fan")
    async with seeder.services.pool.acquire() as conn:
        for handle, _ in CREATORS:
            await grant(conn, handle=handle, amount_micros=20_000_000)
    made: list[str] = []
    for creator, prompt, caption, remix_of in VIDEOS:
        remix: dict[str, object] = {"remixOfId": made[remix_of]} if remix_of is not None else {}
        values = {"prompt": prompt, "characterIds": [], "durationSeconds": 4, **remix}
        video_id = (await seeder.run(CREATE_REMIX, {"input": values}, creator))["createRemix"]["video"]["id"]
        await generate_now(seeder.services, video_id)
        if caption is not None:
            await seeder.run(PUBLISH, {"id": video_id, "c": caption}, creator)
        made.append(video_id)
    review = {"videoId": made[3], "characterId": character_ids["Bolt the Robot"], "decision": "APPROVE"}
    await seeder.run(REVIEW, {"input": review}, STAFF[0][0])
    for handle, video, comment in (
        ("demo_fan", 0, "That comet never stood a chance"),
        ("leo_loops", 0, "Remixing this!"),
        ("mia_makes", 2, "The meteors are perfect"),
        ("demo_fan", 1, "So cosy"),
    ):
        await seeder.run(LIKE, {"id": made[video]}, handle)
        await seeder.run(COMMENT, {"id": made[video], "b": comment}, handle)
    async with seeder.services.pool.acquire() as conn:
        await recompute(conn)
    return len(made)


async def generate_now(services: Services, video_id: str) -> None:
    """Run the generation job in-process, so the demo videos exist before the worker starts."""
    decoded = from_global_id(video_id)
    assert decoded is not None
    settings = services.settings
    try:
        generator = build_generator(
            settings.generator,
            http_url=settings.generator_http_url,
            http_token=settings.generator_http_token,
            poll_seconds=settings.generator_http_poll_seconds,
            timeout_seconds=settings.generator_http_timeout_seconds,
        )
    except GeneratorError as exc:  # e.g. no font for the local renderer: the demo still gets real (plain) videos
        logger.warning("demo videos use the no-op generator: %s", exc)
        generator = build_generator("noop", http_url="", http_token="", poll_seconds=1, timeout_seconds=1)
    ctx = {
        "settings": settings,
        "pool": services.pool,
        "redis": services.redis,
        "storage": services.storage,
        "generator": generator,
        "drafter": Drafter(services.pool, services.redis, generator=generator.name),
        "job_try": 1,
    }
    await generate(ctx, str(decoded[1]))


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
