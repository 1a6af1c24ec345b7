"""Names written as one or more whole words of a prompt, found in one pass of an Aho-Corasick
automaton (pyahocorasick, in C) over the prompt's words written without spaces.

A match counts only where it starts at the start of a word and ends at the end of one, so "Ash" is
not found in "cash" but "Zorb lax" is "Zorblax" and "darth vader" is "Darth Vader". This replaces
a dictionary lookup of every run of words, which costs Python time for each of them. Names added
after the automaton was built go into a second, small automaton rebuilt on each addition
(milliseconds), so that a catalog change never rebuilds the large one.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import accumulate

import ahocorasick

MAX_WORDS = 3  # a name is at most this many words of the prompt ("Zorblax the Devourer")


class TokenRuns:
    def __init__(self) -> None:
        self._built = _automaton(())
        self._recent: set[str] = set()
        self._recent_automaton = _automaton(())

    def build(self, names: Iterable[str]) -> None:
        self._built = _automaton(names)
        self._recent, self._recent_automaton = set(), _automaton(())

    def add(self, name: str) -> None:
        self._recent.add(name)
        self._recent_automaton = _automaton(self._recent)

    def find(self, words: list[str]) -> list[tuple[str, int, int]]:
        """(name, first word, number of words) for each run of whole `words` spelling a name."""
        if not words:
            return []
        stream = "".join(words)
        after = list(accumulate(map(len, words)))  # offset just past each word
        starts = dict(zip([0, *after[:-1]], range(len(words)), strict=True))
        ends = {offset - 1: position for position, offset in enumerate(after)}
        found = []
        for automaton in (self._built, self._recent_automaton):
            if not len(automaton):
                continue
            for end, name in automaton.iter(stream):
                last = ends.get(end)
                first = starts.get(end - len(name) + 1)
                if first is not None and last is not None and last - first < MAX_WORDS:
                    found.append((name, first, last - first + 1))
        return found


def _automaton(names: Iterable[str]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for name in names:
        automaton.add_word(name, name)
    if len(automaton):
        automaton.make_automaton()
    return automaton
