"""Search queries (RULES §10): free words, ranked, and #hashtags, matched exactly."""

from __future__ import annotations

import re
from dataclasses import dataclass

HASHTAG = re.compile(r"#(\w+)")


@dataclass(frozen=True)
class SearchQuery:
    words: str  # the rest of the query, for PostgreSQL's plainto_tsquery
    hashtags: tuple[str, ...]  # lowercase, with their '#'

    @property
    def empty(self) -> bool:
        return not self.words and not self.hashtags

    def hashtag_query(self) -> str:
        """The hashtags as a tsquery text: every one of them, each an exact lexeme ('#cats' & '#dogs')."""
        return " & ".join(f"'{tag}'" for tag in self.hashtags)


def parse_query(text: str) -> SearchQuery:
    hashtags = tuple(dict.fromkeys(f"#{tag.lower()}" for tag in HASHTAG.findall(text)))
    words = " ".join(HASHTAG.sub(" ", text).replace("#", " ").split())
    return SearchQuery(words=words, hashtags=hashtags)
