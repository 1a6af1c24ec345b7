"""/metrics counts requests, errors, cost and jobs; one structured log line per request and per
job (JSON in production); idle periodic jobs stay at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import asyncpg
import orjson
import pytest
from arq.worker import Worker
from prometheus_client.parser import text_string_to_metric_families

from logs import JobLines, JsonFormatter
from settings import Settings
from tests.helpers import CREATE_REMIX, GraphQLClient, create_user
from workers.settings import worker_settings


async def scrape(client: GraphQLClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


def posts(metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
    return sum(count for (name, _), count in metrics.items() if name == "fanreel_ledger_posts_total")


async def test_metrics_count_a_request_its_errors_and_its_cost(client: GraphQLClient) -> None:
    labels = {"path": "/graphql", "operation": "MetricsProbe", "outcome": "ok"}
    before = await scrape(client)
    await client.execute('query MetricsProbe { user(handle: "nobody") { id } }')
    await client.execute("{ nosuchfield }")
    after = await scrape(client)
    assert value(after, "fanreel_requests_total", **labels) == value(before, "fanreel_requests_total", **labels) + 1
    latency = "fanreel_request_seconds_count"
    assert value(after, latency, path="/graphql", operation="MetricsProbe") == 1 + value(
        before, latency, path="/graphql", operation="MetricsProbe"
    )
    errors = "fanreel_graphql_errors_total"
    code = {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert value(after, errors, **code) == value(before, errors, **code) + 1
    assert value(after, "fanreel_query_cost_points_total") >= value(before, "fanreel_query_cost_points_total") + 1
    assert ("fanreel_queue_depth", ()) in after


async def test_metrics_label_odd_operation_names_as_other(client: GraphQLClient) -> None:
    await client.post({"query": "query { __typename }", "operationName": None})
    await client.post({"query": "query Ünïcode { __typename }"})
    metrics = await scrape(client)
    assert not any("Ünïcode" in str(labels) for _, labels in metrics)


@pytest.fixture
def job_lines() -> Iterator[None]:
    arq_logger = logging.getLogger("arq.worker")
    job_filter = JobLines()
    arq_logger.addFilter(job_filter)
    yield
    arq_logger.removeFilter(job_filter)


async def test_jobs_and_generations_are_counted_and_logged(
    client: GraphQLClient,
    db: asyncpg.Pool,
    settings: Settings,
    job_lines: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from db.ledger_cli import grant

    creator = await create_user(client)
    before_grant = await scrape(client)
    async with db.acquire() as conn:
        await grant(conn, handle=creator.handle, amount_micros=10_000_000)
    assert posts(await scrape(client)) == posts(before_grant) + 1
    created = await client.execute(
        CREATE_REMIX, {"input": {"prompt": "a hill", "characterIds": []}}, token=creator.token
    )
    assert created.data["createRemix"]["userErrors"] == []
    before = await scrape(client)
    worker = Worker(
        **worker_settings(settings.model_copy(update={"generator": "noop"})), burst=True, handle_signals=False
    )  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="arq.worker"):
        try:
            await worker.main()
        finally:
            await worker.close()
    after = await scrape(client)
    success = {"function": "generate", "outcome": "success"}
    assert value(after, "fanreel_jobs_total", **success) == value(before, "fanreel_jobs_total", **success) + 1
    drafted = {"outcome": "drafted"}
    assert (
        value(after, "fanreel_generations_total", **drafted)
        == value(before, "fanreel_generations_total", **drafted) + 1
    )
    finished = [r for r in caplog.records if getattr(r, "job", None) == "generate" and getattr(r, "outcome", None)]
    assert finished and finished[0].outcome == "success" and finished[0].duration_ms >= 0  # type: ignore[attr-defined]
    line = orjson.loads(JsonFormatter().format(finished[0]))
    assert line["job"] == "generate" and line["outcome"] == "success" and "duration_ms" in line


def arq_record(message: str, *args: object) -> logging.LogRecord:
    """A record as arq's worker makes it (the formats are arq's own; tests/test_internals.py checks them)."""
    return logging.LogRecord("arq.worker", logging.INFO, "worker.py", 1, message, args, None)


def test_idle_periodic_jobs_are_logged_at_debug_busy_ones_at_info() -> None:
    logging.getLogger("arq.worker").setLevel(logging.INFO)
    try:
        lines = JobLines()
        assert not lines.filter(arq_record("%6.2fs → %s(%s)%s", 0.01, "cron:fold_pending_balances", "", ""))
        assert not lines.filter(arq_record("%6.2fs ← %s ● %s", 0.002, "cron:fold_pending_balances", "0"))
        busy = arq_record("%6.2fs ← %s ● %s", 0.002, "cron:credit_views", "12")
        assert lines.filter(busy) and busy.levelno == logging.INFO
        job = arq_record("%6.2fs ← %s ● %s", 0.5, "abc123:generate", "'drafted'")
        assert lines.filter(job) and job.levelno == logging.INFO
        failed = arq_record("%6.2fs ! %s failed, %s: %s", 0.5, "abc123:generate", "RuntimeError", "boom")
        assert lines.filter(failed) and failed.outcome == "failure"  # type: ignore[attr-defined]
        logging.getLogger("arq.worker").setLevel(logging.DEBUG)
        quiet = arq_record("%6.2fs ← %s ● %s", 0.002, "cron:fold_pending_balances", "0")
        assert lines.filter(quiet) and quiet.levelno == logging.DEBUG
    finally:
        logging.getLogger("arq.worker").setLevel(logging.NOTSET)


async def test_one_structured_line_per_request(client: GraphQLClient, caplog: pytest.LogCaptureFixture) -> None:
    account = await create_user(client)
    with caplog.at_level(logging.INFO, logger="fanreel.requests"):
        response = await client.http.post(
            "/graphql",
            json={"query": "query Me { viewer { user { id } } }"},
            headers={"Authorization": f"Bearer {account.token}"},
        )
    (record,) = [r for r in caplog.records if r.name == "fanreel.requests"]
    line = orjson.loads(JsonFormatter().format(record))
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["operation"] == "Me" and line["status"] == 200 and line["cost"] == 2
    assert line["user_id"] and line["duration_ms"] >= 0 and line["level"] == "INFO"
