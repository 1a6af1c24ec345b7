"""A prompt's content rating (RULES §3): the highest rating of the lexicon terms it contains.

The lexicon is data (`domain/data/rating_lexicon.csv`: term, rating, category), matched with
the same normalisation and word boundaries as character detection, so "g0re" or "m.u.r.d.e.r"
rate like the plain words. `Rater` is the interface a model-based classifier can implement later.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from enum import IntEnum
from functools import cache
from importlib import resources
from typing import Protocol

from domain.detection import Detector


class Rating(IntEnum):
    """Ordered: a prompt rated above a policy's maxRating is refused. Names match ContentRating."""

    G = 0
    PG = 1
    PG13 = 2
    R = 3


class Rater(Protocol):
    def rate(self, prompt: str) -> Rating: ...


class LexiconRater:
    def __init__(self, entries: Iterable[tuple[str, Rating]] | None = None) -> None:
        terms = list(entries) if entries is not None else bundled_lexicon()
        # Exact terms only: a one-letter typo of a short rude word is too often an innocent word.
        self._detector = Detector(((rating, term) for term, rating in terms), typo_tolerance=False)
        self.size = len(terms)

    def rate(self, prompt: str) -> Rating:
        return max(self._detector.find(prompt), default=Rating.G)


def bundled_lexicon() -> list[tuple[str, Rating]]:
    with resources.files("domain.data").joinpath("rating_lexicon.csv").open(encoding="utf-8") as file:
        return [(row["term"], Rating[row["rating"]]) for row in csv.DictReader(file)]


@cache
def default_rater() -> LexiconRater:
    return LexiconRater()


def rate_prompt(prompt: str) -> Rating:
    return default_rater().rate(prompt)
