"""The labelled corpus at 1k catalog names (the fast slice of bench/detection_quality.py), with the
same budgets: overall catch ≥ 99%, every trick category ≥ 95%, false positives ≤ 1%."""

from __future__ import annotations

import pytest

from bench.detection_quality import CATCH_BUDGET, CATEGORY_BUDGET, Quality, load_corpus, measure


@pytest.fixture(scope="module")
def quality() -> Quality:
    return measure(load_corpus(), 1_000)


def test_the_corpus_is_as_large_as_promised(quality: Quality) -> None:
    corpus = load_corpus()
    assert len(corpus.tricked) >= 600 and quality.everyday >= 1_000
    assert len(quality.caught) == 13 and all(total >= 40 for _, total in quality.caught.values())
    assert len(corpus.characters) >= 16 and len(corpus.everyday_names) >= 200


def test_overall_catch(quality: Quality) -> None:
    assert quality.overall >= CATCH_BUDGET, [row["written"] for row in quality.misses]


@pytest.mark.parametrize(
    "category",
    [
        "case_separators", "digits_symbols", "unicode_forms", "one_edit", "two_edits", "split", "glued",
        "affixes", "reversed", "sound_alike", "transliterated", "described", "mixture",
    ],
)  # fmt: skip
def test_each_category(quality: Quality, category: str) -> None:
    caught, total = quality.caught[category]
    missed = [row["written"] for row in quality.misses if row["category"] == category]
    assert caught / total >= CATEGORY_BUDGET, missed


def test_false_positives(quality: Quality) -> None:
    assert quality.fp_rate <= 0.01, [(prompt, [m.alias for m in found]) for prompt, found in quality.alarms]
