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
from typing import Any, Generic, TypeVar

from rapidfuzz.distance import DamerauLevenshtein

from domain.deletion_index import DeletionIndex, Query
from domain.folding import MENTION_FOLD, canonical, normalize
from domain.matching_text import FOREIGN, FUZZY, PLAIN, Candidate, Token, candidates, descriptor_words, tokens, weak_run
from domain.sounds import loose_form, sound_form
from domain.token_runs import TokenRuns
from domain.vocabulary import is_known_word

__all__ = ["Detector", "Match", "MatchKind", "find_mentions", "normalize"]

K = TypeVar("K", bound=Hashable)

MIN_TYPO_LETTERS = 5  # shorter names match exactly: one edit of "Ash" is half the dictionary
TWO_TYPO_LETTERS = 9  # from this length a name matches with two edits
LONG_TRICK_LETTERS = 8  # from this length a sound-alike or a reversed name may also carry a typo
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


@dataclass(frozen=True, slots=True)
class _Alias(Generic[K]):
    key: K
    text: str
    plain: str  # folded letters
    letters: str  # matching form: "l" read as "i" (1, I and l look alike)
    words: int


_SPELLING, _SOUND, _SKELETON = 0, 1, 2  # kinds of word in the deletion index


def _alias_queries(alias: _Alias[Any]) -> list[Query]:
    """What an alias puts in the deletion index: its spelling with the edits its length allows,
    its sound form and its consonant skeleton with one."""
    if len(alias.letters) < MIN_TYPO_LETTERS:
        return []
    edits = _allowed_edits(alias.letters)
    queries: list[Query] = [(_SPELLING, alias.letters, edits), (_SOUND, sound_form(alias.plain), 1)]
    queries.append((_SPELLING, alias.letters[::-1], 1))  # written backwards, perhaps with a typo
    skeleton = loose_form(alias.plain)
    return [*queries, (_SKELETON, skeleton, 1)] if len(skeleton) >= 3 else queries


def _prompt_queries(word: str, *, foreign: bool) -> list[Query]:
    """What a prompt's candidate looks up: its spelling with two edits from seven letters (it may
    be a long name typo'd) and one below; its sound; its skeleton if it was another script."""
    letters = _matching(word)
    depth = 1 if len(letters) < TWO_TYPO_LETTERS - 2 else 2
    queries: list[Query] = [(_SPELLING, letters, depth), (_SOUND, sound_form(word), 1)]
    return [*queries, (_SKELETON, loose_form(word), 1)] if foreign else queries


def _matching(plain: str) -> str:
    return plain.replace("l", "i")


def _backwards_edits(letters: str) -> int:
    """A name written backwards and typo'd too: only long names (short ones reversed and edited are
    half the rare words of a language)."""
    return 1 if len(letters) >= LONG_TRICK_LETTERS else 0


def _sound_edits(sound: str, foreign: bool) -> int:
    """Sound forms must be equal, or one edit apart for long ones: a sound form already absorbs
    the respellings, and one edit more on a short one reads "fika" as "Geaka". A reading of another
    script (never in an English prompt) may be an edit off ("kvillbi" for "Quillby")."""
    return 1 if foreign or len(sound) >= LONG_TRICK_LETTERS else 0


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
        self._runs = TokenRuns()  # every alias, written as whole words of a prompt
        self._index = DeletionIndex()  # spellings (depth: the edits allowed), sound forms, skeletons
        self._traits: dict[str, list[tuple[tuple[str, ...], K, str]]] = {}
        self._thresholds: dict[K, int] = {}
        self._longest = 0
        self._name_words: set[str] = set()  # words of aliases of several words ("peter", "parker")
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
        if not self._aliases and not self._traits:  # nothing indexed: nothing to find
            return []
        found: dict[tuple[K, str, int], Match[K]] = {}
        prompt = tokens(text)
        if self._aliases:
            runs = self._runs.find([token.merged for token in prompt])
            exact = [(name, first, size, PLAIN) for name, first, size in runs if not weak_run(prompt, first, size)]
            exact = [(self._plain_of(prompt, c), *c[1:]) for c in exact]
            for match in self._match_candidates(
                prompt, exact + candidates(prompt, self._longest, self._tolerant, self._name_words)
            ):
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
            self._runs.add(self._aliases[index].letters)  # type: ignore[union-attr]
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
        return self._index.nbytes()

    def _register(self, key: K, alias: str) -> int | None:
        plain = "".join(canonical(alias).split()).replace(".", "")
        if not plain:
            return None  # an alias without letters can never be written in a prompt
        index, letters = len(self._aliases), _matching(plain)
        self._aliases.append(_Alias(key, alias, plain, letters, len(normalize(alias).split())))
        self._by_key.setdefault(key, []).append(index)
        self._exact.setdefault(letters, []).append(index)
        self._longest = max(self._longest, len(letters))
        words = normalize(alias).split()
        if len(words) > 1:
            self._name_words.update(_matching(word) for word in words)
        return index

    def _build(self) -> None:
        self._runs.build(self._exact)
        if self._tolerant:
            live = [(i, a) for i, a in enumerate(self._aliases) if a is not None]
            self._index.build((i, query) for i, alias in live for query in _alias_queries(alias))

    def _index_typos(self, index: int) -> None:
        alias = self._aliases[index]
        if self._tolerant and alias is not None:
            for query in _alias_queries(alias):
                self._index.add(index, query)

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
                    if alias is not None and alias.plain != plain and _as_written(prompt, candidate):
                        continue  # a word of the language is read as written: "hill" is not "Hili"
                    yield from self._hit(prompt, index, candidate, self._exact_kind(prompt, candidate, index))
            if flags & FUZZY and len(letters) >= MIN_TYPO_LETTERS - 1:  # "Zeld": a letter short
                fuzzy.setdefault(plain, []).append(candidate)
        if fuzzy:
            yield from self._typo_matches(prompt, fuzzy)

    def _typo_matches(self, prompt: list[Token], fuzzy: dict[str, list[Candidate]]) -> Iterable[Match[K]]:
        words = list(fuzzy)
        queries: list[Query] = []
        owners: list[int] = []
        for at, word in enumerate(words):
            flags = fuzzy[word][0][3]
            for query in _prompt_queries(word, foreign=bool(flags & FOREIGN)):
                queries.append(query)
                owners.append(at)
        foreign = {word for word in words if any(c[3] & FOREIGN for c in fuzzy[word])}
        for query_at, alias_index in self._index.lookup(queries):
            alias, (kind, form, _) = self._aliases[alias_index], queries[query_at]
            if alias is None:
                continue
            word = words[owners[query_at]]
            backwards = False
            if kind == _SPELLING and _within(form, alias.letters, _allowed_edits(alias.letters)):
                match_kind = MatchKind.FUZZY
            elif kind == _SPELLING and _within(form, alias.letters[::-1], _backwards_edits(alias.letters)):
                match_kind, backwards = MatchKind.FUZZY, True
            elif kind == _SOUND and _within(form, sound_form(alias.plain), _sound_edits(form, word in foreign)):
                match_kind = MatchKind.PHONETIC
            elif kind == _SKELETON and _loosely(form, loose_form(alias.plain)):
                match_kind = MatchKind.TRANSLITERATED
            else:
                continue
            for candidate in fuzzy[word]:
                if backwards and not candidate[3] & PLAIN:
                    continue  # a name written backwards is a word of its own, not a piece of a hashtag
                if match_kind is not MatchKind.TRANSLITERATED or candidate[3] & FOREIGN:
                    yield from self._hit(prompt, alias_index, candidate, _fuzzy_kind(candidate, match_kind))

    @staticmethod
    def _plain_of(prompt: list[Token], candidate: tuple[str, int, int, int]) -> str:
        _, first, size, _ = candidate
        return "".join(token.letters for token in prompt[first : first + size])

    def _exact_kind(self, prompt: list[Token], candidate: Candidate, index: int) -> MatchKind:
        _, position, size, flags = candidate
        alias = self._aliases[index]
        if flags & FOREIGN:
            return MatchKind.TRANSLITERATED
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


def _as_written(prompt: list[Token], candidate: Candidate) -> bool:
    """Whether a candidate is words of the language, written as such (not "E1sa" for "Elsa")."""
    plain, first, size, flags = candidate
    if flags & PLAIN:
        return all(token.known for token in prompt[first : first + size])
    return is_known_word(plain)


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
