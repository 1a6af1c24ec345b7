"""Benchmark of name detection (RULES.md §2): `python bench/detection.py` from the repository root.

Builds detectors over 1k, 10k and 100k synthetic aliases, then times `Detector.find` on a
1,000-character prompt. Budgets: p99 ≤ 1 ms with 100k aliases, and p99(100k) / p99(1k) ≤ 1.5
(detection time must not grow with the number of registered characters). Exits 0 either way.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.detection import Detector

SEED = 20240611
SIZES = (1_000, 10_000, 100_000)
FINDS = 2_000
PROMPT_CHARS = 1_000
P99_BUDGET_US = 1_000.0
RATIO_BUDGET = 1.5
HITS = ("Korvath Velmire", "Zantorix")  # forced into every alias set and the prompt

# Mostly consonant-vowel syllables with an occasional cluster or closing consonant, as in
# "Korvath", "Velmire", "Elowen": duplicates in the tuples weight the choice.
_ONSETS = (*"bcdfghjklmnprstvwz" * 3, "br", "ch", "dr", "gr", "kr", "sh", "st", "th", "tr", "")
_VOWELS = (*"aeiou" * 4, "y", "ai", "ea", "ei", "ia", "io", "ou")
_CODAS = ("",) * 30 + (*"lmnrsx", "th", "nd", "rk", "st")
_VOCABULARY = (
    "a the of and in on with at to from cinematic shot slow motion golden hour city street "
    "rain neon lights dancing singing running jumping over rooftops friendly dragon castle "
    "forest ocean waves sunset dramatic lighting close up wide angle camera pans left while "
    "crowd cheers fireworks explode behind them vintage film grain style anime watercolor "
    "painting epic battle between two heroes laughing together coffee shop cozy morning 4K "
    "80s synthwave retro arcade robot cat riding skateboard through park autumn leaves falling"
)


def pseudo_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables))


def pseudo_name(rng: random.Random) -> str:
    """An alias as a catalog holds them: mostly people (display names and handles of cameos),
    some one-word character names ("Brelthor", "Mira Kestelon", "skai_voth92")."""
    shape = rng.random()
    if shape < 0.2:
        return pseudo_word(rng, rng.choice((2, 2, 3))).capitalize()
    if shape < 0.65:
        first, last = pseudo_word(rng, 2), pseudo_word(rng, rng.choice((2, 3)))
        return f"{first.capitalize()} {last.capitalize()}"
    digits = str(rng.randrange(100)) if rng.random() < 0.5 else ""
    return f"{pseudo_word(rng, rng.choice((1, 2)))}_{pseudo_word(rng, 2)}{digits}"


def pseudo_names(count: int, rng: random.Random) -> list[str]:
    names = list(HITS)
    while len(names) < count:
        names.append(pseudo_name(rng))
    return names


def make_prompt(rng: random.Random) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < PROMPT_CHARS - 40:
        words.append(rng.choice(_VOCABULARY.split()))
    words.insert(len(words) // 3, HITS[0] + ",")
    words.insert(2 * len(words) // 3, HITS[1].upper() + "'s")
    return " ".join(words)[:PROMPT_CHARS]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_finds(detectors: dict[int, Detector[int]], prompt: str) -> dict[int, list[float]]:
    """Microseconds per `find`, the sizes taken in turn so that machine noise hits them alike."""
    for detector in detectors.values():
        for _ in range(50):  # warm the fold cache and the CPU caches
            detector.find(prompt)
    samples: dict[int, list[float]] = {size: [] for size in detectors}
    gc.disable()  # as timeit does: a collection pause is not detection time
    try:
        for _ in range(FINDS):
            for size, detector in detectors.items():
                start = time.perf_counter_ns()
                detector.find(prompt)
                samples[size].append((time.perf_counter_ns() - start) / 1_000)
    finally:
        gc.enable()
    return samples


def main() -> int:
    rng = random.Random(SEED)
    names = pseudo_names(max(SIZES), rng)
    prompt = make_prompt(rng)
    print(f"prompt: {len(prompt)} characters; {FINDS} finds per size, sizes interleaved")
    detectors: dict[int, Detector[int]] = {}
    for size in SIZES:
        started = time.perf_counter()
        detectors[size] = Detector((i, name) for i, name in enumerate(names[:size]))
        build = time.perf_counter() - started
        found = detectors[size].find(prompt)
        assert {0, 1} <= found, f"the two planted names were not found: {sorted(found)}"
        print(f"{size:>7} aliases: build {build:5.2f} s, {len(found) - 2} other aliases match the prompt")
    samples = time_finds(detectors, prompt)
    p99s = {size: percentile(times, 0.99) for size, times in samples.items()}
    for size, times in samples.items():
        print(f"{size:>7} aliases: p50 {statistics.median(times):7.1f} µs   p99 {p99s[size]:7.1f} µs")
    ratio = p99s[max(SIZES)] / p99s[min(SIZES)]
    print(f"ratio p99({max(SIZES)}) / p99({min(SIZES)}): {ratio:.2f}")
    verdict = p99s[max(SIZES)] <= P99_BUDGET_US
    print(f"{'PASS' if verdict else 'FAIL'}: p99 at {max(SIZES)} aliases ≤ {P99_BUDGET_US:.0f} µs")
    print(f"{'PASS' if ratio <= RATIO_BUDGET else 'FAIL'}: ratio ≤ {RATIO_BUDGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
