"""`fanreel dev` with no URLs: embedded PostgreSQL and Redis, migrations, demo data, API and
worker; answers GraphQL; stops everything on SIGTERM or SIGINT (Ctrl-C); a second start reuses the data."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil
import pytest

from embedded import free_port

ROOT = Path(__file__).resolve().parent.parent
LOG_IN = 'mutation { logIn(input: {handleOrEmail: "demo_fan", password: "fanreel-demo-1"}) { token } }'


def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"DATA_DIR": str(data_dir), "MEDIA_DIR": str(data_dir / "media"), "PORT": str(port), "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "cli", "dev"], cwd=ROOT, env=env, stdout=subprocess.PIPE)


def wait_until_up(process: subprocess.Popen[bytes]) -> float:
    """Seconds until fanreel dev says it is up (pytest's timeout bounds the wait)."""
    started = time.monotonic()
    assert process.stdout is not None
    while b"fanreel is up" not in (line := process.stdout.readline()):
        assert line, "fanreel dev exited before saying it was up"
    return time.monotonic() - started


def stop(process: subprocess.Popen[bytes], signal_number: int) -> None:
    process.send_signal(signal_number)
    try:
        assert process.wait(60) == 0
    finally:
        if process.stdout is not None:
            process.stdout.close()


def servers_using(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        with_dir = any(str(data_dir) in part for part in proc.info["cmdline"] or [])
        if with_dir and proc.pid != os.getpid():
            found.append(proc)
    return found


@pytest.mark.timeout(240)
def test_dev_boots_embedded_servers_answers_and_stops_cleanly() -> None:
    # Not under pytest's 0700 tmp dirs: as root, PostgreSQL runs as another user that must reach it.
    data_dir = ROOT / ".fanreel" / f"test-dev-{uuid.uuid4().hex[:8]}"
    # SIGINT to the process alone (not a terminal's whole group), which a shell's background job ignores
    # unless fanreel handles it.
    for attempt, signal_number in (("cold", signal.SIGTERM), ("warm", signal.SIGINT)):
        port = free_port()
        process = start(data_dir, port)
        try:
            seconds = wait_until_up(process)
            # Once it says so, it answers: no waiting after the line.
            response = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": LOG_IN}, timeout=10)
            assert response.json()["data"]["logIn"]["token"]
            print(f"{attempt} start was up in {seconds:.1f} s")
        finally:
            stop(process, signal_number)
        time.sleep(0.5)
        assert servers_using(data_dir) == [], f"servers left running after {signal_number.name}"
    shutil.rmtree(data_dir, ignore_errors=True)
