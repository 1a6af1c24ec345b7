"""Test helpers: one way to send GraphQL, and small factories with keyword overrides."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

_sequence = itertools.count(1)


@dataclass
class Result:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        assert not self.body.get("errors"), self.body["errors"]
        data: dict[str, Any] = self.body["data"]
        return data

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = self.body.get("errors") or []
        return errors

    def error_codes(self) -> list[str | None]:
        return [error.get("extensions", {}).get("code") for error in self.errors]


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, pool: Any = None) -> None:
        self.http = http
        self.pool = pool  # the test database, for factories that stand in for an operator

    async def post(self, body: Any, *, token: str | None = None, headers: dict[str, str] | None = None) -> Result:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post("/graphql", json=body, headers=all_headers)
        return Result(response.status_code, response.json())

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None, **kwargs: Any
    ) -> Result:
        return await self.post({"query": query, "variables": variables or {}}, token=token, **kwargs)


REGISTER_DEVICE = "mutation { registerDevice { deviceToken userErrors { code } } }"
# conftest's settings sign device tokens with this secret; `device_token` mints one as registerDevice would.
TEST_DEVICE_SECRET = "test-device-token-secret"


async def register_device(client: GraphQLClient, *, token: str | None = None) -> str:
    """A device token from registerDevice (signed in as `token`'s user, if given)."""
    result = await client.execute(REGISTER_DEVICE, token=token)
    device: str = result.data["registerDevice"]["deviceToken"]
    return device


def device_token() -> str:
    """A valid token of a new device without a round trip, for tests that need thousands of viewers."""
    from domain.devices import issue_token

    return issue_token(TEST_DEVICE_SECRET, uuid.uuid4())


SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token user { id handle displayName } userErrors { field code message } }
}
"""


@dataclass(frozen=True)
class Account:
    id: str
    handle: str
    token: str
    password: str


async def create_user(client: GraphQLClient, **overrides: str) -> Account:
    n = next(_sequence)
    values = {
        "handle": f"user{n}",
        "displayName": f"User {n}",
        "email": f"user{n}@example.com",
        "password": "correct horse battery",
    } | overrides
    result = await client.execute(SIGN_UP, {"input": values})
    payload = result.data["signUp"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return Account(payload["user"]["id"], payload["user"]["handle"], payload["token"], values["password"])


def policy(**overrides: Any) -> dict[str, Any]:
    """A PolicyInput: open to everyone unless overridden."""
    return {
        "audience": "EVERYONE",
        "requiresReview": False,
        "allowDerivatives": True,
        "allowCrossovers": True,
        "blockedCoCharacterIds": [],
        "maxRating": "R",
        "bannedTerms": [],
        "maxDurationSeconds": 60,
        "attribution": None,
        "revenueShareBps": 1000,
        "generationFee": "0",
        "onRestrict": "KEEP",
    } | overrides


CREATE_HOLDER = """
mutation CreateHolder($name: String!) {
  createHolder(input: {name: $name}) { holder { id name kind } userErrors { field code message } }
}
"""
CREATE_CHARACTER = """
mutation CreateCharacter($input: CreateCharacterInput!) {
  createCharacter(input: $input) {
    character { id name aliases policy { version audience } }
    userErrors { field code message }
  }
}
"""


async def create_holder(
    client: GraphQLClient, owner: Account, name: str = "Northwind Studios", *, verified: bool = True
) -> str:
    """A holder of `owner`, VERIFIED (as an operator would) unless told otherwise."""
    from api.ids import decode_id

    result = await client.execute(CREATE_HOLDER, {"name": name}, token=owner.token)
    payload = result.data["createHolder"]
    assert payload["userErrors"] == [], payload["userErrors"]
    holder_id: str = payload["holder"]["id"]
    if verified:
        await client.pool.execute(
            "UPDATE holders SET verification = 'VERIFIED' WHERE id = $1", decode_id(holder_id, "Holder")
        )
    return holder_id


async def create_character(
    client: GraphQLClient,
    owner: Account,
    holder_id: str,
    name: str,
    aliases: list[str] | None = None,
    **policy_overrides: Any,
) -> str:
    values = {"holderId": holder_id, "name": name, "aliases": aliases or [], "policy": policy(**policy_overrides)}
    payload = (await client.execute(CREATE_CHARACTER, {"input": values}, token=owner.token)).data["createCharacter"]
    assert payload["userErrors"] == [], payload["userErrors"]
    character_id: str = payload["character"]["id"]
    return character_id


CREATE_REMIX = """
mutation Create($input: RemixInput!) { createRemix(input: $input) { video { id } userErrors { code message } } }
"""
PUBLISH_VIDEO = """
mutation Publish($id: ID!, $caption: String) {
  publishVideo(videoId: $id, caption: $caption) { video { id status } userErrors { field code } }
}
"""


async def create_video(
    client: GraphQLClient,
    db: Any,
    creator: Account,
    prompt: str = "a quiet forest",
    *,
    publish: bool = True,
    **extra: Any,
) -> str:
    """A video as the worker would leave it (DRAFT, generation simulated), published unless told not to."""
    from db.ledger_cli import grant

    async with db.acquire() as conn:  # enough money for any number of test videos
        await grant(conn, handle=creator.handle, amount_micros=10_000_000)
    result = await client.execute(
        CREATE_REMIX, {"input": {"prompt": prompt, "characterIds": [], **extra}}, token=creator.token
    )
    payload = result.data["createRemix"]
    assert payload["userErrors"] == [], payload["userErrors"]
    video_id: str = payload["video"]["id"]
    await db.execute("UPDATE videos SET status = 'DRAFT' WHERE status IN ('QUEUED', 'GENERATING')")
    if publish:
        published = (await client.execute(PUBLISH_VIDEO, {"id": video_id}, token=creator.token)).data["publishVideo"]
        assert published["userErrors"] == [], published["userErrors"]
    return video_id
