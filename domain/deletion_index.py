"""Candidate lookup for typos: the symmetric deletion index (as in SymSpell), held in numpy arrays.

Two strings within k edits (insertions, deletions, substitutions, adjacent swaps) share a string
obtained by deleting at most k letters from each. So each indexed word contributes the hashes of
itself and its deletions up to its depth, and a lookup hashes the query's deletions alike: the
words sharing a hash are the candidates, which the caller confirms with a real distance
(rapidfuzz). At 100k names this is millions of hashes, so they sit in two sorted numpy arrays
(hash, word id: 12 bytes each) searched in one vectorised call per prompt, instead of a dict of
Python ints (about ten times the memory; symspellpy keeps such a dict of strings). Words added
after the arrays were built sit in a small dict until the next full build, so adding a name costs
microseconds, not a rebuild.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from functools import lru_cache
from itertools import chain, combinations, repeat

import numpy as np
import numpy.typing as npt


def variant_hashes(word: str, depth: int) -> set[int]:
    """Hashes of `word` and of every string left by deleting up to `depth` of its letters."""
    keep = max(len(word) - depth, 1)
    return set(map(hash, chain.from_iterable(combinations(word, size) for size in range(keep, len(word) + 1))))


Query = tuple[int, str, int]  # kind (a salt: several indexes share the arrays), word, depth


class DeletionIndex:
    """Hashes sorted, with a directory by their top bits: a lookup is two array reads and a
    comparison or two, however many words are indexed (a binary search over millions of hashes
    costs a cache miss per step). Several kinds of word (spellings, sound forms, ...) share the
    arrays, their hashes salted by kind, so that one vectorised probe serves a whole prompt."""

    def __init__(self) -> None:
        self._hashes: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)
        self._ids: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._bits = 1
        self._directory: npt.NDArray[np.int32] = np.zeros(3, dtype=np.int32)
        self._recent: dict[int, list[int]] = {}

    def build(self, words: Iterable[tuple[int, Query]]) -> None:
        """Index every (id, (kind, word, depth)) anew, in the arrays."""
        hashes = array("q")  # C arrays, not lists: millions of Python ints would fragment the heap
        ids = array("i")
        for word_id, query in words:
            variants = _salted(query)
            hashes.extend(variants)
            ids.extend(repeat(word_id, len(variants)))
        unsigned = np.frombuffer(hashes, dtype=np.int64).view(np.uint64)
        order = np.argsort(unsigned, kind="stable")
        self._hashes, self._ids = unsigned[order], np.frombuffer(ids, dtype=np.int32)[order]
        self._bits = max(1, len(hashes).bit_length() - 2)  # 4 to 8 hashes per directory slot
        bounds = np.arange(2**self._bits + 1, dtype=np.uint64)
        starts = np.searchsorted(self._hashes >> np.uint64(64 - self._bits), bounds, side="left")
        self._directory = starts.astype(np.int32)
        self._recent = {}

    def add(self, word_id: int, query: Query) -> None:
        """Index one more word, without touching the arrays."""
        for hashed in _salted(query):
            self._recent.setdefault(hashed, []).append(word_id)

    def lookup(self, queries: list[Query]) -> list[tuple[int, int]]:
        """(query position, word id) pairs that share a hash of the same kind, each once."""
        hashes: list[int] = []
        owners: list[int] = []
        for position, query in enumerate(queries):
            variants = _salted_query(query)
            hashes.extend(variants)
            owners.extend([position] * len(variants))
        found: set[tuple[int, int]] = set()
        if hashes and len(self._hashes):
            self._probe(hashes, owners, found)
        if hashes and self._recent:
            for hashed, owner in zip(hashes, owners, strict=True):
                found.update((owner, word_id) for word_id in self._recent.get(hashed, ()))
        return sorted(found)

    def _probe(self, hashes: list[int], owners: list[int], found: set[tuple[int, int]]) -> None:
        probe = np.array(hashes, dtype=np.int64).view(np.uint64)
        slot = (probe >> np.uint64(64 - self._bits)).astype(np.int64)
        low, high = self._directory[slot], self._directory[slot + 1]
        counts = high - low
        total = int(counts.sum())
        if not total:
            return
        # Every (probe, indexed hash in its slot) pair at once: a slot holds a few hashes.
        which = np.repeat(np.arange(len(probe)), counts)
        at = np.repeat(low - (np.cumsum(counts) - counts), counts) + np.arange(total)
        equal = self._hashes[at] == probe[which]
        for query, word_id in zip(which[equal].tolist(), self._ids[at[equal]].tolist(), strict=True):
            found.add((owners[query], word_id))

    def nbytes(self) -> int:
        return int(self._hashes.nbytes + self._ids.nbytes + self._directory.nbytes)


_SALTS = (0, 0x5BD1E9955BD1E995, 0x27D4EB2F165667C5, 0x165667B19E3779F9)


def _salted(query: Query) -> list[int]:
    kind, word, depth = query
    salt = _SALTS[kind]
    variants = variant_hashes(word, depth)
    return [hashed ^ salt for hashed in variants] if salt else list(variants)


@lru_cache(maxsize=4_096)  # names recur in prompts, and a long word has a hundred variants
def _salted_query(query: Query) -> tuple[int, ...]:
    return tuple(_salted(query))
