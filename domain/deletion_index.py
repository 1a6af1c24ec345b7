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

from collections.abc import Iterable
from itertools import chain, combinations

import numpy as np
import numpy.typing as npt


def variant_hashes(word: str, depth: int) -> set[int]:
    """Hashes of `word` and of every string left by deleting up to `depth` of its letters."""
    keep = max(len(word) - depth, 1)
    return set(map(hash, chain.from_iterable(combinations(word, size) for size in range(keep, len(word) + 1))))


class DeletionIndex:
    def __init__(self, depth: int) -> None:
        self.depth = depth
        self._hashes: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._ids: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._recent: dict[int, list[int]] = {}

    def build(self, words: Iterable[tuple[int, str]]) -> None:
        """Index every (id, word) anew, in the arrays."""
        hashes: list[int] = []
        ids: list[int] = []
        for word_id, word in words:
            variants = variant_hashes(word, self.depth)
            hashes.extend(variants)
            ids.extend([word_id] * len(variants))
        order = np.argsort(np.array(hashes, dtype=np.int64), kind="stable")
        self._hashes = np.array(hashes, dtype=np.int64)[order]
        self._ids = np.array(ids, dtype=np.int32)[order]
        self._recent = {}

    def add(self, word_id: int, word: str) -> None:
        """Index one more word, without touching the arrays."""
        for hashed in variant_hashes(word, self.depth):
            self._recent.setdefault(hashed, []).append(word_id)

    def lookup(self, queries: list[str]) -> list[tuple[int, int]]:
        """(query position, word id) pairs that share a hash, each once."""
        hashes: list[int] = []
        owners: list[int] = []
        for position, query in enumerate(queries):
            variants = variant_hashes(query, self.depth)
            hashes.extend(variants)
            owners.extend([position] * len(variants))
        if not hashes:
            return []
        found: set[tuple[int, int]] = set()
        if len(self._hashes):
            probe = np.array(hashes, dtype=np.int64)
            left = np.searchsorted(self._hashes, probe, side="left")
            right = np.searchsorted(self._hashes, probe, side="right")
            for at in np.flatnonzero(right > left).tolist():
                owner = owners[at]
                found.update((owner, int(word_id)) for word_id in self._ids[left[at] : right[at]].tolist())
        if self._recent:
            for hashed, owner in zip(hashes, owners, strict=True):
                found.update((owner, word_id) for word_id in self._recent.get(hashed, ()))
        return sorted(found)

    def nbytes(self) -> int:
        return int(self._hashes.nbytes + self._ids.nbytes)
