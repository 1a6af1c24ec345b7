"""CPU instructions per feed request, counted by valgrind: `python bench/feed_instructions.py`.

Requests per second on a shared machine swing by a third between runs of the same code, so a
change that saves 2% of the API's CPU is invisible in bench/feed.py. Instructions are not: this
script loads bench/feed.py's 10k data set into a fresh database (the heavy viewer included), then
runs the API in process (`api.app.create_app`, the ASGI app called directly, 16 requests at a
time, no HTTP server) under `valgrind --tool=callgrind` with counting switched on only around the
measured requests (`callgrind_control -i on|off`), and prints the instructions per request of:

- `{ viewer { user { handle } } }`: what a small signed-in request costs (the baseline of the same run);
- `feed(first: 20) { edges { node { id } } }`: the page without its fields;
- RICH_FEED (bench/feed.py): the page the feed budgets are about.

The counts repeat to about 0.1% from run to run. No budget; it exits 0. Needs valgrind
(`apt-get install valgrind`); about 80 s in all here, the 10k data set's load included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/ (bench/queue.py would hide the stdlib's queue)

QUERIES = {
    "viewer": "query { viewer { user { handle } } }",
    "feed ids": "query Feed($first: Int) { feed(first: $first) { edges { node { id } } } }",
}
WARM_UP = 50
CONCURRENCY = 16


async def _asgi_post(app: Any, body: bytes, token: str) -> None:
    """One POST /graphql straight into the ASGI app; fails loudly on anything but a clean 200."""
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [*headers, (b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent[0]
    assert b'"errors"' not in sent[1]["body"], sent[1]["body"][:300]


async def child(args: argparse.Namespace) -> None:
    """Inside valgrind: serve `args.requests` requests of one query, counting only those."""
    from api.app import create_app
    from bench.common import UNTHROTTLED
    from bench.feed import PAGE
    from settings import Settings

    settings = Settings(database_url=args.database_url, redis_url=args.redis_url, log_level="WARNING", **UNTHROTTLED)
    app = create_app(settings)
    body = json.dumps({"query": args.query, "variables": {"first": PAGE}}).encode()
    async with app.router.lifespan_context(app):
        for _ in range(WARM_UP):
            await _asgi_post(app, body, args.token)
        _instrument("on")
        for _ in range(args.requests // CONCURRENCY):
            await asyncio.gather(*(_asgi_post(app, body, args.token) for _ in range(CONCURRENCY)))
        _instrument("off")


def _instrument(switch: str) -> None:
    """Counting on or off in this process (it blocks: nothing else may run meanwhile)."""
    subprocess.run(["callgrind_control", "-i", switch, str(os.getpid())], check=True, capture_output=True)


def count(database_url: str, redis_url: str, token: str, query: str, requests: int, out_dir: Path) -> float:
    """Million instructions per request of `query`, from a child process under callgrind."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out_dir}/callgrind.%p",
        sys.executable,
        __file__,
        "--child",
        "--database-url",
        database_url,
        "--redis-url",
        redis_url,
        "--token",
        token,
        "--query",
        query,
        "--requests",
        str(requests),
    ]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    collected = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or collected is None:
        raise SystemExit(f"valgrind run failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return int(collected.group(1)) / (requests // CONCURRENCY * CONCURRENCY) / 1e6


async def main(args: argparse.Namespace) -> None:
    from bench.common import bench_servers
    from bench.feed import RICH_FEED, load_data_set

    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install valgrind")
    queries = {**QUERIES, "RICH_FEED": RICH_FEED}
    async with bench_servers("instructions") as servers:
        data = await load_data_set(servers.database_url, args.videos)
        print(f"{args.videos:,} videos loaded; {args.requests} requests per query, {CONCURRENCY} at a time", flush=True)
        out_dir = Path(args.out or ROOT / ".fanreel" / "callgrind")
        await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
        counts = {}
        for name, query in queries.items():
            counts[name] = await asyncio.to_thread(
                count, servers.database_url, servers.redis_url, data.token, query, args.requests, out_dir
            )
            print(f"  {name:10s} {counts[name]:7.2f} M instructions per request", flush=True)
        print(f"RICH_FEED ÷ viewer baseline: {counts['RICH_FEED'] / counts['viewer']:.2f} (for information)")
        print(f"callgrind files (callgrind_annotate reads them): {out_dir}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=10_000, help="data set size (videos)")
    parser.add_argument("--requests", type=int, default=160, help="measured requests per query")
    parser.add_argument("--out", help="directory for the callgrind files (default .fanreel/callgrind)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--redis-url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--query", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.child:
        import uvloop  # the server's loop (uvicorn picks uvloop when it is installed)

        uvloop.run(child(arguments))
    else:
        asyncio.run(main(arguments))
