"""Which characters a prompt names, robust to the tricks for slipping a name past a filter, and
explained: each match says which words of the prompt matched which alias, and how (RULES.md §2).

The prompt is cut into tokens at whitespace and each token folded (`domain.folding`: case,
diacritics, look-alike letters, digits for letters, separators). Then every *candidate* string
that could be a name is looked up: each token whole and the runs of its pieces ("pika-chu",
"ZorblaxInvades"), runs of up to four tokens joined (multi-word names, names split in two), a
token less an affix ("Zorblaxian"), the part of a glued token between everyday words
("#teamzorblaxforever"), each of these reversed, and the Latin reading of Cyrillic, Greek and
kana tokens. A candidate matches an alias exactly (a dict), within the edits its length allows
(`domain.deletion_index`, confirmed by rapidfuzz's Damerau-Levenshtein distance, where a swap
of adjacent letters is one edit), by sound (`domain.sounds.sound_form`, the same index), or,
for another script, by consonant skeleton. Every lookup is a hash or a binary search: the time
does not grow with the number of names. A candidate made only of everyday words
(`domain.vocabulary.is_known_word`) matches exactly or not at all. Descriptors count per
character: `threshold` distinct traits in a prompt name it.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz.distance import DamerauLevenshtein

from domain.deletion_index import DeletionIndex
from domain.folding import MENTION_FOLD, canonical, normalize
from domain.matching_text import FOREIGN, FUZZY, PLAIN, REVERSED, Candidate, Token, candidates, descriptor_words, tokens
from domain.sounds import loose_form, sound_form
from domain.vocabulary import is_known_word

__all__ = ["Detector", "Match", "MatchKind", "find_mentions", "normalize"]

K = TypeVar("K", bound=Hashable)

MIN_TYPO_LETTERS = 5  # shorter names match exactly: one edit of "Ash" is half the dictionary
TWO_TYPO_LETTERS = 9  # from this length a name matches with two edits
MIN_LOOSE_LETTERS = 4  # a consonant skeleton shorter than this must match whole


class MatchKind(enum.Enum):
    EXACT = "EXACT"
    NORMALISED = "NORMALISED"
    FUZZY = "FUZZY"
    PHONETIC = "PHONETIC"
    TRANSLITERATED = "TRANSLITERATED"
    DESCRIBED = "DESCRIBED"


@dataclass(frozen=True)
class Match(Generic[K]):
    key: K
    kind: MatchKind
    text: str  # the prompt's own words that matched
    alias: str  # the alias or descriptor they matched
    position: int  # token where the match starts: orders matches in prompt order


@dataclass(frozen=True)
class _Alias(Generic[K]):
    key: K
    text: str
    plain: str  # folded letters
    letters: str  # matching form: "l" read as "i" (1, I and l look alike)
    words: int


def _matching(plain: str) -> str:
    return plain.replace("l", "i")


def _allowed_edits(letters: str) -> int:
    return 0 if len(letters) < MIN_TYPO_LETTERS else 1 if len(letters) < TWO_TYPO_LETTERS else 2


class Detector(Generic[K]):
    """Finds which keys' aliases or descriptors a text names, in time independent of their number.

    Build once (it indexes every alias) and share; `add` and `remove` change it in place, in
    microseconds. `typo_tolerance=False` keeps the folding and word boundaries but requires the
    words as written (word lists such as a rating lexicon, where one edit turns "naked" into "baked").
    """

    def __init__(
        self,
        entries: Iterable[tuple[K, str]],
        *,
        descriptors: Iterable[tuple[K, Sequence[str], int]] = (),
        typo_tolerance: bool = True,
    ) -> None:
        self._tolerant = typo_tolerance
        self._aliases: list[_Alias[K] | None] = []  # None: removed
        self._by_key: dict[K, list[int]] = {}
        self._exact: dict[str, list[int]] = {}
        self._typos = (DeletionIndex(1), DeletionIndex(2))  # names of 5-8 letters, of 9+
        self._sounds = DeletionIndex(1)
        self._loose = DeletionIndex(1)
        self._traits: dict[str, list[tuple[tuple[str, ...], K, str]]] = {}
        self._thresholds: dict[K, int] = {}
        self._longest = 0
        for key, alias in entries:
            self._register(key, alias)
        for key, traits, threshold in descriptors:
            self.describe(key, traits, threshold)
        self._build()

    def __len__(self) -> int:
        """Number of aliases indexed (those with at least one letter)."""
        return sum(alias is not None for alias in self._aliases)

    def find(self, text: str) -> set[K]:
        """Keys named in `text`, each once."""
        return {match.key for match in self.explain(text)}

    def explain(self, text: str) -> list[Match[K]]:
        """Every match, in prompt order, the best kind first where one text matched several ways."""
        found: dict[tuple[K, str, int], Match[K]] = {}
        prompt = tokens(text)
        if self._aliases:
            for match in self._match_candidates(prompt, candidates(prompt, self._longest, self._tolerant)):
                held = found.get((match.key, match.text, match.position))
                if held is None or _RANK[match.kind] < _RANK[held.kind]:
                    found[(match.key, match.text, match.position)] = match
        for match in self._described(prompt):
            found.setdefault((match.key, match.alias, match.position), match)
        return sorted(found.values(), key=lambda m: (m.position, _RANK[m.kind]))

    # ---------------------------------------------------------------- changes

    def add(self, key: K, alias: str) -> None:
        """Index one more alias of `key` (the arrays stay; the new alias sits beside them)."""
        index = self._register(key, alias)
        if index is not None:
            self._index_typos(index)

    def remove(self, key: K) -> None:
        """Forget every alias and descriptor of `key`."""
        for index in self._by_key.pop(key, []):
            self._aliases[index] = None  # lookups skip it; its hashes go at the next full build
        self._thresholds.pop(key, None)
        for first, traits in list(self._traits.items()):
            self._traits[first] = [trait for trait in traits if trait[1] != key]

    def describe(self, key: K, traits: Sequence[str], threshold: int) -> None:
        """Descriptors of `key`: a text naming `threshold` of them names the key."""
        self._thresholds[key] = threshold
        for trait in traits:
            words = descriptor_words(trait)
            if words:
                self._traits.setdefault(words[0], []).append((words, key, trait))

    def nbytes(self) -> int:
        """Bytes held by the typo, sound and skeleton arrays (the bulk of the index)."""
        return sum(index.nbytes() for index in (*self._typos, self._sounds, self._loose))

    def _register(self, key: K, alias: str) -> int | None:
        plain = "".join(canonical(alias).split()).replace(".", "")
        if not plain:
            return None  # an alias without letters can never be written in a prompt
        index, letters = len(self._aliases), _matching(plain)
        self._aliases.append(_Alias(key, alias, plain, letters, len(normalize(alias).split())))
        self._by_key.setdefault(key, []).append(index)
        self._exact.setdefault(letters, []).append(index)
        self._longest = max(self._longest, len(letters))
        return index

    def _build(self) -> None:
        if not self._tolerant:
            return
        live = [(i, a) for i, a in enumerate(self._aliases) if a is not None and len(a.letters) >= MIN_TYPO_LETTERS]
        self._typos[0].build((i, a.letters) for i, a in live if len(a.letters) < TWO_TYPO_LETTERS)
        self._typos[1].build((i, a.letters) for i, a in live if len(a.letters) >= TWO_TYPO_LETTERS)
        self._sounds.build((i, sound_form(a.plain)) for i, a in live)
        self._loose.build((i, loose_form(a.plain)) for i, a in live)

    def _index_typos(self, index: int) -> None:
        alias = self._aliases[index]
        if not self._tolerant or alias is None or len(alias.letters) < MIN_TYPO_LETTERS:
            return
        self._typos[len(alias.letters) >= TWO_TYPO_LETTERS].add(index, alias.letters)
        self._sounds.add(index, sound_form(alias.plain))
        self._loose.add(index, loose_form(alias.plain))

    # ---------------------------------------------------------------- matching

    def _match_candidates(self, prompt: list[Token], found: list[Candidate]) -> Iterable[Match[K]]:
        fuzzy: dict[str, list[Candidate]] = {}
        exact = self._exact
        for candidate in found:
            plain, _, _, flags = candidate
            letters = _matching(plain)
            if letters in exact:
                for index in exact[letters]:
                    alias = self._aliases[index]
                    if alias is not None and alias.plain != plain and is_known_word(plain):
                        continue  # a word of the language is read as written: "hill" is not "Hili"
                    yield from self._hit(prompt, index, candidate, self._exact_kind(prompt, candidate, index))
            if flags & FUZZY and len(letters) >= MIN_TYPO_LETTERS - 1:
                fuzzy.setdefault(plain, []).append(candidate)
        if fuzzy:
            yield from self._typo_matches(prompt, fuzzy)

    def _typo_matches(self, prompt: list[Token], fuzzy: dict[str, list[Candidate]]) -> Iterable[Match[K]]:
        words = list(fuzzy)
        letters = [_matching(word) for word in words]
        hits: list[tuple[str, int, MatchKind]] = []
        for index in self._typos:
            for at, alias_index in index.lookup(letters):
                alias = self._aliases[alias_index]
                if alias is not None and _within(letters[at], alias.letters, _allowed_edits(alias.letters)):
                    hits.append((words[at], alias_index, MatchKind.FUZZY))
        sounds = [sound_form(word) for word in words]
        for at, alias_index in self._sounds.lookup(sounds):
            alias = self._aliases[alias_index]
            if alias is not None and _within(sounds[at], sound_form(alias.plain), 1):
                hits.append((words[at], alias_index, MatchKind.PHONETIC))
        foreign = [word for word in words if any(c[3] & FOREIGN for c in fuzzy[word])]
        skeletons = [loose_form(word) for word in foreign]
        for at, alias_index in self._loose.lookup(skeletons):
            alias = self._aliases[alias_index]
            if alias is not None and _loosely(skeletons[at], loose_form(alias.plain)):
                hits.append((foreign[at], alias_index, MatchKind.TRANSLITERATED))
        for word, alias_index, kind in hits:
            for candidate in fuzzy[word]:
                if kind is not MatchKind.TRANSLITERATED or candidate[3] & FOREIGN:
                    yield from self._hit(prompt, alias_index, candidate, _fuzzy_kind(candidate, kind))

    def _exact_kind(self, prompt: list[Token], candidate: Candidate, index: int) -> MatchKind:
        letters, position, size, flags = candidate
        alias = self._aliases[index]
        if flags & FOREIGN:
            return MatchKind.TRANSLITERATED
        if flags & REVERSED:
            return MatchKind.FUZZY
        text = " ".join(token.raw for token in prompt[position : position + size])
        if alias is not None and flags & PLAIN and text.casefold().strip(_PUNCTUATION) == alias.text.casefold():
            return MatchKind.EXACT
        return MatchKind.NORMALISED

    def _hit(self, prompt: list[Token], index: int, candidate: Candidate, kind: MatchKind) -> Iterable[Match[K]]:
        alias = self._aliases[index]
        if alias is None or (not self._tolerant and candidate[2] > 1 and candidate[2] != alias.words):
            return  # a word list matches its words as written, not glued across spaces
        _, position, size, _ = candidate
        text = " ".join(token.raw for token in prompt[position : position + size])
        yield Match(alias.key, kind, text, alias.text, position)

    def _described(self, prompt: list[Token]) -> list[Match[K]]:
        if not self._traits:
            return []
        words = [token.letters for token in prompt]  # descriptors are everyday words: spelled as they are
        seen: dict[K, dict[str, Match[K]]] = {}
        for position, word in enumerate(words):
            for trait_words, key, trait in self._traits.get(word, []) + self._traits.get(word.rstrip("s"), []):
                span = words[position : position + len(trait_words)]
                if len(span) == len(trait_words) and all(map(_same_word, span, trait_words)):
                    text = " ".join(token.raw for token in prompt[position : position + len(span)])
                    seen.setdefault(key, {}).setdefault(trait, Match(key, MatchKind.DESCRIBED, text, trait, position))
        return [m for key, traits in seen.items() if len(traits) >= self._thresholds[key] for m in traits.values()]


_RANK = {kind: rank for rank, kind in enumerate(MatchKind)}


def _same_word(word: str, trait_word: str) -> bool:
    """Equal, or one is the other's plural ("tentacle" in a prompt for the trait "tentacles")."""
    return word == trait_word or word.rstrip("s") == trait_word.rstrip("s") or word.removesuffix("es") == trait_word


def _within(text: str, target: str, edits: int) -> bool:
    if abs(len(text) - len(target)) > edits:
        return False
    return bool(DamerauLevenshtein.distance(text, target, score_cutoff=edits) <= edits)


def _loosely(skeleton: str, target: str) -> bool:
    if len(target) < MIN_LOOSE_LETTERS:
        return skeleton == target
    return _within(skeleton, target, 1)


def _fuzzy_kind(candidate: Candidate, kind: MatchKind) -> MatchKind:
    return MatchKind.TRANSLITERATED if candidate[3] & FOREIGN else kind


_PUNCTUATION = ".,;:!?\"'()[]{}“”‘’«»"
_MENTION = re.compile(r"(?<![\w@])@([a-z0-9_]{3,30})(?!\w)")


def find_mentions(text: str) -> list[str]:
    """Lowercased handles of `@handle` mentions (handle = [a-z0-9_]{3,30}), in order, unique.

    Works on the raw text (the name normalisation would read "@" as "a"), after NFKC and mapping
    look-alike letters, so "＠ｌｅｎａ" and a Cyrillic "а" in a handle still name the user.
    """
    folded = unicodedata.normalize("NFKC", text).translate(MENTION_FOLD).lower()
    return list(dict.fromkeys(_MENTION.findall(folded)))
