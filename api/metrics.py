"""GET /metrics: the Prometheus text format of every process's counters (telemetry.py).

With METRICS_DIR set, every process writes its values to files there and this adds up all of
them: several uvicorn workers, or the API and the worker of `fanreel dev`. Without it, /metrics
shows this process only. The queue depth is read from Redis at scrape time.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response

QUEUE_KEY = "arq:queue"


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
