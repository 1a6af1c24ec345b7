"""Quality of name detection on the labelled corpus (RULES.md §2): `python bench/detection_quality.py`.

The catalog: the corpus's named characters (aliases and descriptors), its names that are
everyday words ("Joy", "The Baron"), and generated pronounceable names (bench/detection.py's
generator) up to 1k, 10k and 100k names. For each size: the catch rate per trick category and
overall on `tricked.jsonl` (the labelled character is among those detected), and the
false-positive rate on `everyday.txt` (prompts naming no character).

A false positive is an everyday prompt in which anything is detected, except an exact match of
a name that is itself an everyday word: RULES §2 has an everyday word match such a name exactly
(and `aliasWarnings` warns the holder who registers it), so "a bolt of lightning" features the
character "Bolt" by rule. Both rates are printed; the budget holds the first.

Budgets: overall catch ≥ 99%, every category ≥ 95%, false positives ≤ 1% at 10k names and ≤ 2%
at 100k. `--sizes 1000` runs one size (the test slice). Exits 0 either way.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.detection import pseudo_name
from domain.detection import Detector, Match, MatchKind
from domain.vocabulary import is_everyday_word

CORPUS = Path(__file__).resolve().parent.parent / "domain" / "data" / "detection_corpus"
SIZES = (1_000, 10_000, 100_000)
SEED = 20261204
CATCH_BUDGET, CATEGORY_BUDGET = 0.99, 0.95
FP_BUDGETS = {10_000: 0.01, 100_000: 0.02}
_RULED = (MatchKind.EXACT, MatchKind.NORMALISED)


@dataclass(frozen=True)
class Corpus:
    characters: list[dict[str, object]]
    everyday_names: list[str]
    tricked: list[dict[str, str]]
    everyday: list[str]


@dataclass(frozen=True)
class Quality:
    size: int
    caught: dict[str, tuple[int, int]]  # category → (caught, prompts)
    false_positives: int  # everyday prompts with a detection not ruled by an everyday name
    any_detection: int  # everyday prompts with any detection at all
    everyday: int
    misses: list[dict[str, str]]
    alarms: list[tuple[str, list[Match[str]]]]

    @property
    def overall(self) -> float:
        return sum(c for c, _ in self.caught.values()) / sum(n for _, n in self.caught.values())

    @property
    def fp_rate(self) -> float:
        return self.false_positives / self.everyday


def load_corpus() -> Corpus:
    catalog = json.loads((CORPUS / "catalog.json").read_text())
    names = [line.strip() for line in (CORPUS / "everyday_names.txt").read_text().splitlines()]
    tricked = [json.loads(line) for line in (CORPUS / "tricked.jsonl").read_text().splitlines() if line]
    everyday = [line for line in (CORPUS / "everyday.txt").read_text().splitlines() if line.strip()]
    return Corpus(catalog["characters"], [n for n in names if n and not n.startswith("#")], tricked, everyday)


def generated_names(count: int, seed: int = SEED) -> list[str]:
    """Pronounceable made-up names; one-word names that are everyday words are left out (they are
    the other part of the catalog)."""
    rng, names, seen = random.Random(seed), [], set()
    while len(names) < count:
        name = pseudo_name(rng)
        if name.lower() not in seen and not (" " not in name and is_everyday_word(name.lower())):
            seen.add(name.lower())
            names.append(name)
    return names


def build_detector(corpus: Corpus, size: int) -> Detector[str]:
    entries: list[tuple[str, str]] = []
    descriptors = []
    for character in corpus.characters:
        key = str(character["name"])
        entries += [(key, key)] + [(key, str(alias)) for alias in character["aliases"]]  # type: ignore[attr-defined]
        descriptors.append((key, list(character["descriptors"]), int(character["threshold"])))  # type: ignore[call-overload]
    entries += [(f"everyday:{name}", name) for name in corpus.everyday_names]
    named = len(corpus.characters) + len(corpus.everyday_names)
    entries += [(f"generated:{i}", name) for i, name in enumerate(generated_names(max(size - named, 0)))]
    return Detector(entries, descriptors=descriptors)


def ruled(match: Match[str]) -> bool:
    """An exact match of a name that is an everyday word: a match by rule, not a false alarm."""
    return match.key.startswith("everyday:") and match.kind in _RULED


def measure(corpus: Corpus, size: int) -> Quality:
    detector = build_detector(corpus, size)
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for row in corpus.tricked:
        total[row["category"]] += 1
        if row["character"] in detector.find(row["prompt"]):
            caught[row["category"]] += 1
        else:
            misses.append(row)
    alarms, detected = [], 0
    for prompt in corpus.everyday:
        matches = detector.explain(prompt)
        detected += bool(matches)
        if any(not ruled(m) for m in matches):
            alarms.append((prompt, [m for m in matches if not ruled(m)]))
    return Quality(
        size,
        {category: (caught[category], total[category]) for category in total},
        len(alarms),
        detected,
        len(corpus.everyday),
        misses,
        alarms,
    )


def report(quality: Quality, verbose: bool) -> list[str]:
    """Prints the figures; returns the failed budgets."""
    failed = []
    print(f"--- {quality.size} catalog names")
    for category, (caught, total) in quality.caught.items():
        rate = caught / total
        print(f"  {category:<16} {caught:>3}/{total:<3} {rate:7.1%}{'' if rate >= CATEGORY_BUDGET else '  FAIL'}")
        if rate < CATEGORY_BUDGET:
            failed.append(f"{category} at {quality.size}")
    print(f"  overall catch    {quality.overall:.2%}")
    print(
        f"  false positives  {quality.false_positives}/{quality.everyday} = {quality.fp_rate:.2%}"
        f"  (prompts with any detection, exact everyday names included: {quality.any_detection / quality.everyday:.2%})"
    )
    if quality.overall < CATCH_BUDGET:
        failed.append(f"overall catch at {quality.size}")
    if quality.fp_rate > FP_BUDGETS.get(quality.size, 1.0):
        failed.append(f"false positives at {quality.size}")
    if verbose:
        for row in quality.misses:
            print(f"  missed [{row['category']}] {row['written']!r} ({row['character']}): {row['prompt']}")
        for prompt, matches in quality.alarms:
            print(f"  alarm: {prompt!r}: " + "; ".join(f"{m.text!r}→{m.alias!r} {m.kind.value}" for m in matches))
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--verbose", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args()
    corpus = load_corpus()
    print(f"corpus: {len(corpus.tricked)} tricked prompts, {len(corpus.everyday)} everyday prompts")
    failed: list[str] = []
    for size in args.sizes:
        started = time.perf_counter()
        failed += report(measure(corpus, size), args.verbose)
        print(f"  ({time.perf_counter() - started:.1f} s)")
    print(f"budgets: catch ≥ {CATCH_BUDGET:.0%} overall and ≥ {CATEGORY_BUDGET:.0%} per category;", end=" ")
    print("false positives ≤ 1% at 10k names, ≤ 2% at 100k")
    print("PASS" if not failed else "FAIL: " + ", ".join(failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
