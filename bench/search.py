"""Benchmark of searchVideos (issue 15): `python bench/search.py [--videos 1000000]` from the repository root.

For each size, against a fresh database of its own: bench/feed.py's data set (prompts of English
words drawn with Zipf weights, a #hashtag caption on one video in ten, the heavy viewer with 20
blocks and up to 50 see-less entries), then `fanreel api` in a child process and `--queries`
sequential `searchVideos(first: 20)` requests as that viewer through HTTP: one or two words drawn
from the vocabulary's content words (ranks 100-5000, uniformly: common and rare words alike), one
in five a #hashtag. Prints p50/p90/p99 latency and the median match count; budget p50 ≤ 20 ms.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/

import argparse  # noqa: E402
import asyncio  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench.common import UNTHROTTLED, api_server, bench_servers, percentile, verdict  # noqa: E402
from bench.feed import load_data_set, vocabulary  # noqa: E402
from settings import Settings  # noqa: E402

P50_BUDGET_MS = 20.0
SEARCH = """
query Search($query: String!) {
  searchVideos(query: $query, first: 20) {
    edges { node { id prompt caption likeCount creator { handle } } } pageInfo { hasNextPage endCursor }
  }
}
"""
COUNT = "SELECT count(*) FROM videos WHERE status = 'PUBLISHED' AND search_document @@ plainto_tsquery('english', $1)"


def queries(n: int, rng: random.Random) -> list[str]:
    words, _ = vocabulary()
    content = words[100:5_000]
    made = []
    for _ in range(n):
        if rng.random() < 0.2:
            made.append(f"#{rng.choice(words[:500])}")
        else:
            made.append(" ".join(rng.sample(content, rng.choice((1, 1, 2)))))
    return made


async def measure(videos: int, args: argparse.Namespace) -> tuple[float, float, float, float]:
    async with bench_servers("search") as servers:
        data = await load_data_set(servers.database_url, videos)
        print(f"{videos:,} videos loaded in {data.load_seconds:.1f} s", flush=True)
        settings = Settings(
            database_url=servers.database_url, redis_url=servers.redis_url, log_level=args.log_level, **UNTHROTTLED
        )
        asked = queries(args.queries, random.Random(7))
        conn = await asyncpg.connect(servers.database_url)
        try:
            matches = [await conn.fetchval(COUNT, q) for q in asked[:50] if not q.startswith("#")]
        finally:
            await conn.close()
        async with api_server(settings) as (base_url, _), httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            headers = {"Authorization": f"Bearer {data.token}"}
            for q in asked[:20]:  # warm-up: connections, prepared statements
                await http.post("/graphql", json={"query": SEARCH, "variables": {"query": q}}, headers=headers)
            timings = []
            for q in asked:
                body = {"query": SEARCH, "variables": {"query": q}}
                started = time.perf_counter()
                response = await http.post("/graphql", json=body, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200 and "errors" not in response.json(), response.text
    return percentile(timings, 0.5), percentile(timings, 0.9), percentile(timings, 0.99), percentile(matches, 0.5)


async def main(args: argparse.Namespace) -> None:
    for videos in (int(s) for s in args.videos.split(",")):
        p50, p90, p99, median_matches = await measure(videos, args)
        print(
            f"{videos:,} videos, {args.queries} searches: p50 {p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms "
            f"(median matches of a word query {median_matches:,.0f})"
        )
        print(verdict(p50 <= P50_BUDGET_MS, f"{videos:,} videos: searchVideos p50 {p50:.1f} ms (budget ≤ 20 ms)"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", default="1000000", help="comma-separated data set sizes (videos)")
    parser.add_argument("--queries", type=int, default=300, help="searches measured per size")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of the API")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
