"""A second process for tests/db/test_catalog.py: it keeps its own detection index (db.catalog)
and, on each "find <name>" line on stdin, polls it until the name is detected (1 s at most), then
prints "found <milliseconds waited> <CPU milliseconds of the update>" or "missing"."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import asyncpg

from db.catalog import Catalog


async def main(database_url: str) -> None:
    catalog = Catalog(database_url)
    conn = await asyncpg.connect(database_url)
    await catalog.detector(conn)  # built in full once, as a process does at its first request
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
        name = line.removeprefix("find ")
        started, update_cpu = time.monotonic(), 0.0
        found = False
        while not found and time.monotonic() - started < 1.0:
            cpu = time.thread_time()
            detector = await catalog.detector(conn)
            update_cpu = max(update_cpu, time.thread_time() - cpu)
            found = bool(detector.find(f"{name} attacks the city"))
            if not found:
                await asyncio.sleep(0.005)
        waited = (time.monotonic() - started) * 1000
        print(f"found {waited:.1f} {update_cpu * 1000:.2f}" if found else "missing", flush=True)
    await conn.close()
    await catalog.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
