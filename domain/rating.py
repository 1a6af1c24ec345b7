"""Content rating of a prompt (RULES.md §3): the highest rating among the lexicon terms it contains.

The lexicon is data (`data/rating_lexicon.csv`: term, rating, category) matched with the same
normalisation and word boundaries as name detection, so "G0RE", "n.u.d.e" and look-alike letters
rate like the plain words. The rating function is the `Rater` protocol, so a model-based
classifier can replace the lexicon without touching its callers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from importlib import resources
from typing import Protocol

from domain.detection import Detector

LEXICON = "rating_lexicon.csv"


class Rating(IntEnum):
    """Ordered content ratings; the names match the GraphQL `ContentRating` enum."""

    G = 0
    PG = 1
    PG13 = 2
    R = 3


class Rater(Protocol):
    def rate(self, prompt: str) -> Rating: ...


@dataclass(frozen=True, slots=True)
class LexiconTerm:
    term: str
    rating: Rating
    category: str


class LexiconError(ValueError):
    """A lexicon row that cannot be used; `line` is its 1-based line in the CSV."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"{LEXICON} line {line}: {problem}")
        self.line = line


def load_lexicon() -> list[LexiconTerm]:
    """The bundled lexicon (package data, read on each call: cache the result, not the call)."""
    text = resources.files("domain").joinpath("data", LEXICON).read_text(encoding="utf-8")
    return parse_lexicon(text)


def parse_lexicon(text: str) -> list[LexiconTerm]:
    """Rows of a `term,rating,category` CSV with a header; ratings are `Rating` names above G."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != ["term", "rating", "category"]:
        raise LexiconError(1, f"expected the header term,rating,category, got {reader.fieldnames}")
    return [_parse_row(row, reader.line_num) for row in reader]


def _parse_row(row: dict[str, str], line: int) -> LexiconTerm:
    term, rating, category = row["term"].strip(), row["rating"].strip(), row["category"].strip()
    if rating not in Rating.__members__ or rating == Rating.G.name:
        raise LexiconError(line, f"rating must be one of PG, PG13, R, not {rating!r}")
    if not term or not category:
        raise LexiconError(line, "term and category are required")
    return LexiconTerm(term, Rating[rating], category)


class LexiconRater:
    """Rates a prompt by the highest-rated lexicon term in it (`Rating.G` when there is none)."""

    def __init__(self, entries: Iterable[tuple[str, Rating]] | None = None) -> None:
        terms = [(t.term, t.rating) for t in load_lexicon()] if entries is None else list(entries)
        # No typo tolerance: one edit away from "naked" is "baked", from "blood" is "flood".
        self._detector = Detector(((rating, term) for term, rating in terms), typo_tolerance=False)
        self._size = len(terms)

    def __len__(self) -> int:
        """Number of terms."""
        return self._size

    def rate(self, prompt: str) -> Rating:
        return max(self._detector.find(prompt), default=Rating.G)


@cache
def _default_rater() -> LexiconRater:
    return LexiconRater()


def rate_prompt(prompt: str) -> Rating:
    """The prompt's rating under the bundled lexicon (loaded on first use, then shared)."""
    return _default_rater().rate(prompt)
