"""Fuzzing: schemathesis generates queries and mutations for every root field of the served schema
(hypothesis-graphql underneath: arbitrary literals, nested selections, fragments), signed out and
signed in, against a real uvicorn server; no answer may be a 5xx or an INTERNAL_SERVER_ERROR.

About REQUESTS cases in all, shared among the operations (at least MIN_EXAMPLES each per
identity), keep the run within about a minute on this machine however many mutations the schema
gains (see the README). Derandomized: every run sends the same cases, so a failure reproduces.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from api.schema import schema
from embedded import free_port
from tests.helpers import SIGN_UP, GraphQLClient, create_user

REQUESTS = 1600
MIN_EXAMPLES = 8
LOG_IN = 'mutation { logIn(input: {handleOrEmail: "fuzzer", password: "fuzzing all day"}) { token } }'


@pytest.fixture
async def server(app: Starlette, clean_state: None) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def failures_of(response: requests.Response) -> list[str]:
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}: {response.text[:300]}"]
    try:
        body: Any = response.json()
    except ValueError:
        return [f"not JSON (HTTP {response.status_code}): {response.text[:300]}"]
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    return [str(e) for e in errors if (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"]


def fuzz(base_url: str) -> tuple[int, list[str]]:
    """Runs in a thread (schemathesis is synchronous) while the server answers on the test's loop."""
    fuzzed = schemathesis.graphql.from_file(schema.as_str())
    operations = [result.ok() for result in fuzzed.get_all_operations()]
    examples = max(MIN_EXAMPLES, REQUESTS // (2 * len(operations)))
    session = requests.Session()
    sent, failures = [0], []
    for operation in operations:
        for signed_in in (False, True):
            headers = {}
            if signed_in:  # a fresh token per operation: logOut may have revoked the last one
                token = session.post(f"{base_url}/graphql", json={"query": LOG_IN}).json()["data"]["logIn"]["token"]
                headers["Authorization"] = f"Bearer {token}"
            run_cases(operation, examples, f"{base_url}/graphql", session, headers, sent, failures)
    return sent[0], failures


def run_cases(
    operation: Any,
    examples: int,
    url: str,
    session: requests.Session,
    headers: dict[str, str],
    sent: list[int],
    failures: list[str],
) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        sent[0] += 1
        response = case.call(base_url=url, session=session, headers=headers)
        failures.extend(f"{operation.label} {case.body}: {failure}" for failure in failures_of(response))

    run()


@pytest.mark.timeout(300)  # about a minute alone; more on a machine shared with other suites
async def test_fuzzing_every_operation_finds_no_server_error(server: str, client: GraphQLClient) -> None:
    await create_user(client, handle="fuzzer", password="fuzzing all day")
    started = time.perf_counter()
    sent, failures = await asyncio.to_thread(fuzz, server)
    print(f"fuzz: {sent} requests in {time.perf_counter() - started:.1f} s")  # the README's figure
    assert sent >= 2 * MIN_EXAMPLES * len(schema._schema.query_type.fields)  # type: ignore[union-attr]
    assert failures == [], "\n".join(failures[:20])


# Text that PostgreSQL cannot store (NUL, lone surrogates) mixed with any other character.
AWKWARD_TEXT = st.lists(
    st.one_of(st.sampled_from(["\x00", "\ud800", "\udfff"]), st.characters(exclude_categories=())), max_size=20
).map("".join)  # (st.text() would leave the sampled characters out)
BAD = re.compile("[\x00\ud800-\udfff]")


def sign_up_with(base_url: str, examples: int) -> tuple[int, list[str]]:
    """signUp with arbitrary display names: the text reaches the database when nothing else is wrong."""
    session = requests.Session()
    counter, failures = [0], []

    @given(name=AWKWARD_TEXT)
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None)
    def run(name: str) -> None:
        counter[0] += 1
        values = {"handle": f"text{counter[0]}", "displayName": name, "email": f"t{counter[0]}@example.com"}
        body = json.dumps({"query": SIGN_UP, "variables": {"input": values | {"password": "long enough pw"}}})
        response = session.post(f"{base_url}/graphql", data=body, headers={"content-type": "application/json"})
        failures.extend(f"{name!r}: {failure}" for failure in failures_of(response))
        if BAD.search(name):
            codes = [(e.get("extensions") or {}).get("code") for e in response.json()["errors"]]
            if response.status_code != 400 or codes != ["BAD_USER_INPUT"]:
                failures.append(f"{name!r}: not refused as bad input: {response.text[:200]}")

    run()
    return counter[0], failures


async def test_text_the_database_cannot_store_is_bad_input(server: str, db: asyncpg.Pool) -> None:
    sent, failures = await asyncio.to_thread(sign_up_with, server, 60)
    assert sent == 60 and failures == [], "\n".join(failures[:20])
    names = [row["display_name"] for row in await db.fetch("SELECT display_name FROM users")]
    assert names and not any(BAD.search(name) for name in names)
