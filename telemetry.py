"""The Prometheus metrics every fanreel process counts (API, worker, the ledger's posts).

Kept apart from the HTTP endpoint (api/metrics.py) so that db/ and workers/ can count without
importing the web stack. With METRICS_DIR set, cli.py exports PROMETHEUS_MULTIPROC_DIR before
this module is imported, and each process writes its values to files there.

Operation names are chosen by clients: past MAX_OPERATION_NAMES distinct ones (or a name that is
not a plain identifier) they are counted as "other", so no client can blow up the label space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from prometheus_client import Counter, Histogram

MAX_OPERATION_NAMES = 200
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

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

GENERATION_RESULTS = {"drafted", "superseded", "failed", "refused", "nothing to do"}
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


def observe_job(function: str, outcome: str, seconds: float, result: str) -> None:
    JOBS.labels(function, outcome).inc()
    JOB_SECONDS.labels(function).observe(seconds)
    if function == "generate" and outcome != "retry":  # workers/generate.py returns what became of it
        GENERATIONS.labels(result if result in GENERATION_RESULTS else "error").inc()


def observe_errors(codes: Iterable[str]) -> None:
    for code in codes:
        GRAPHQL_ERRORS.labels(code).inc()
        if code in ("THROTTLED", "QUERY_TOO_COSTLY"):
            THROTTLED.labels(code).inc()


def ledger_posted(kinds: Iterable[str]) -> None:
    for kind in kinds:
        LEDGER_POSTS.labels(kind).inc()
