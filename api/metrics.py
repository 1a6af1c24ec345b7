"""Prometheus metrics: what every process counts, and GET /metrics.

With METRICS_DIR set (cli.py exports it as PROMETHEUS_MULTIPROC_DIR before anything imports
prometheus_client), every process writes its values to files there and /metrics adds up all of
them: several uvicorn workers, or the API and the worker of `fanreel dev`. Without it, /metrics
shows this process only.

Operation names are chosen by clients: past MAX_OPERATION_NAMES distinct ones (or a name that is
not a plain identifier) they are counted as "other", so no client can blow up the label space.
"""

from __future__ import annotations

import os
import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response

MAX_OPERATION_NAMES = 200
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
QUEUE_KEY = "arq:queue"

REQUESTS = Counter(
    "fanreel_requests", "HTTP requests by path, GraphQL operation and outcome", ["path", "operation", "outcome"]
)
LATENCY = Histogram(
    "fanreel_request_seconds",
    "HTTP request latency by path and GraphQL operation",
    ["path", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_ERRORS = Counter("fanreel_graphql_errors", "GraphQL errors by extensions.code", ["code"])
COST = Counter("fanreel_query_cost_points", "Query cost points spent (actual cost)")
THROTTLED = Counter("fanreel_throttled", "Operations refused by a rate limit or the cost limit", ["limit"])
JOBS = Counter("fanreel_jobs", "Worker jobs by function and outcome", ["function", "outcome"])
JOB_SECONDS = Histogram(
    "fanreel_job_seconds", "Worker job duration by function", ["function"], buckets=(0.01, 0.1, 0.5, 1, 5, 30, 120, 300)
)
GENERATIONS = Counter("fanreel_generations", "Finished generations by outcome", ["outcome"])
LEDGER_POSTS = Counter("fanreel_ledger_posts", "Ledger transactions posted by kind", ["kind"])

_operation_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "-"
    if name in _operation_names:
        return name
    if PLAIN_NAME.fullmatch(name) and len(_operation_names) < MAX_OPERATION_NAMES:
        _operation_names.add(name)
        return name
    return "other"


def outcome_of(status: int) -> str:
    return "ok" if status < 400 else "client_error" if status < 500 else "server_error"


def observe_request(path: str, operation: str | None, status: int, seconds: float, cost: int) -> None:
    if path.startswith("/media/"):
        path = "/media"  # one label for every file
    elif path not in ("/graphql", "/healthz", "/readyz", "/metrics", "/webhooks/payments") and not path.startswith(
        "/graphiql/"
    ):
        path = "other"
    label = operation_label(operation)
    REQUESTS.labels(path, label, outcome_of(status)).inc()
    LATENCY.labels(path, label).observe(seconds)
    if cost:
        COST.inc(cost)


def observe_job(function: str, outcome: str, seconds: float) -> None:
    JOBS.labels(function, outcome).inc()
    JOB_SECONDS.labels(function).observe(seconds)


def registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
        return collected
    return REGISTRY


async def metrics(request: Request) -> Response:
    """The Prometheus text format; the queue depth is read from Redis at scrape time."""
    depth = GaugeMetricFamily("fanreel_queue_depth", "Jobs waiting in the arq queue")
    depth.add_metric([], float(await request.app.state.services.redis.zcard(QUEUE_KEY)))
    extra = CollectorRegistry()
    extra.register(_Fixed([depth]))
    return Response(generate_latest(registry()) + generate_latest(extra), media_type=CONTENT_TYPE_LATEST)


class _Fixed:
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> list[GaugeMetricFamily]:
        return self.families
