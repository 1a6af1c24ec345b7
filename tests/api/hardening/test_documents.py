"""The limits on a document as such (api/limits/documents.py), which parses and validates each query
text once: a refusal is never cached as an acceptance, and what one app's rules accepted is judged
again under another's."""

from __future__ import annotations

from api.extensions import MAX_TOKENS
from tests.api.hardening.conftest import MakeApp, client_of

TOO_MANY_TOKENS = f"more than {MAX_TOKENS} tokens"


def with_variables(count: int) -> str:
    """A query of about 4 tokens per variable (`$v1: Int,`) plus 6 (none used: a validation error)."""
    return "query Q(" + ", ".join(f"$v{i}: Int" for i in range(count)) + ") { __typename }"


async def test_a_document_over_the_token_limit_is_refused_each_time(make_app: MakeApp) -> None:
    async with make_app() as app:
        client = client_of(app)
        over, under = with_variables(MAX_TOKENS // 4), with_variables(MAX_TOKENS // 4 - 5)
        for _ in range(2):
            refused = await client.execute(over)
            assert [TOO_MANY_TOKENS in e["message"] for e in refused.body["errors"]] == [True]
        parsed = await client.execute(under)
        assert parsed.body["errors"] and not any(TOO_MANY_TOKENS in e["message"] for e in parsed.body["errors"])


async def test_a_refused_shape_is_refused_again_and_a_fine_one_runs(make_app: MakeApp) -> None:
    async with make_app() as app:
        client = client_of(app)
        for _ in range(2):
            refused = await client.execute("{ " + "__typename " * 4 + "}")
            assert refused.body["data"] is None and len(refused.body["errors"]) == 1
            assert "selected 4 times" in refused.body["errors"][0]["message"]
        fine = await client.execute("{ " + "__typename " * 3 + "}")
        assert fine.body["data"] == {"__typename": "Query"} and "errors" not in fine.body


async def test_validation_follows_each_apps_rules_for_the_same_text(make_app: MakeApp) -> None:
    """Introspection is valid in development and refused in production: one process may serve both
    (the caches are module-wide), so the cached validation must be keyed by the rules too."""
    query = "{ __schema { queryType { name } } }"
    async with make_app() as development, make_app(environment="production") as production:
        for _ in range(2):
            allowed = await client_of(development).execute(query)
            assert allowed.body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
            refused = await client_of(production).execute(query)
            assert refused.body["data"] is None and refused.body["errors"]
