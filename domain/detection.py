"""Which names a prompt mentions, robust to the usual tricks for slipping a name past a filter.

Prompt and aliases go through the same pipeline (RULES.md §2):

1. Each code point is folded once and cached: NFKC/NFKD, case folding, diacritics and invisible
   characters removed, look-alike letters of other scripts mapped to Latin. What is left is
   ASCII letters, digits, ``@``/``$``, spaces (hard word boundaries) and ``.``: any other symbol
   is a *tight* separator ("pika-chu", "Link's").
2. Digits and ``@``/``$`` that touch a letter become letters (0→o, 1→i, 3→e, 4→a, 5→s, 7→t,
   @→a, $→s), each as a piece of its own so "$onic" reads as "sonic" and as "s" + "onic".
   Numbers with a unit ("5am", "4k") stay numbers, so they do not spell names.
3. Runs of single-letter words are joined ("p i k a c h u").

A name matches a run of pieces that starts and ends at a boundary. Tight separators inside it
are ignored, spaces only where the alias has a word break: "pika-chu" matches "Pikachu" and
"darth vader" matches "DarthVader", but "a cool cat" does not match the handle "coolcat".
Aliases of 5+ letters also match with one edit (one alias word, when the prompt splits it).

Exact matches come from one Aho-Corasick automaton whose patterns are anchored on boundary
marks, so its hits are real matches and do not grow with the number of aliases. Typos use the
deletion neighbourhood: every alias and its one-letter deletions sit in a dict, and each prompt
word and its one-letter deletions are looked up there (a few dict probes per word).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator
from itertools import chain, combinations
from typing import Generic, TypeVar

import ahocorasick
from confusable_homoglyphs import confusables

K = TypeVar("K", bound=Hashable)

MIN_TYPO_LETTERS = 5  # shorter aliases must match exactly: one edit of "Ash" is half the dictionary

_MARK = "#"  # boundary mark in the automaton's input; folded text never contains it
_WHOLE = -1  # word index of a typo entry that covers the whole alias
_LONGEST_WINDOW = 64  # letters: bounds the work on a word cut into many pieces ("a.b.c.d...")

# Look-alikes the Unicode confusables data misses or maps to a non-ASCII letter (κ → ĸ).
_SUPPLEMENT = {
    "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ŧ": "t", "ı": "i",
    "ĸ": "k", "ŋ": "n", "æ": "ae", "œ": "oe", "þ": "th",
    "в": "b", "г": "r", "к": "k", "м": "m", "н": "h", "п": "n", "т": "t", "ь": "b",
    "β": "b", "ε": "e", "η": "n", "κ": "k", "τ": "t", "χ": "x", "ω": "w",
}  # fmt: skip
_INVISIBLE = frozenset({"Mn", "Me", "Cf"})  # diacritics, zero-width and direction marks
_SUBSTITUTES = str.maketrans(
    {"0": ".o.", "1": ".i.", "3": ".e.", "4": ".a.", "5": ".s.", "7": ".t.", "@": ".a.", "$": ".s."}
    | dict.fromkeys("2689", ".")
)
_TO_MARKS = str.maketrans(". ", _MARK * 2)

# A run of letters, digits and @/$ holding a digit or symbol ("p1kachu", "1999"), from its start.
_WITH_DIGITS = re.compile(r"[a-z]*+[0-9@$][a-z0-9@$]*")
_UNIT = re.compile(r"[0-9]+(?:st|nd|rd|th|s|am|pm|k|m|km|kg|g|gb|mb|p|d|x|h|hz|fps|min|ms|mm|cm|yo)")
_DOT_RUN = re.compile(r"\.{2,}")
_SPACED_PAIR = re.compile(r" [a-z] [a-z](?![a-z.])")  # starts with a literal: a fast scan
_SPACED_LETTERS = re.compile(r"(?<![a-z.])[a-z](?: [a-z])+(?![a-z.])")
_MENTION = re.compile(r"(?<![\w@])@([a-z0-9_]{3,30})(?!\w)")


def _build_confusables() -> dict[str, str]:
    """Every non-ASCII character the Unicode data says looks like one ASCII letter → that letter."""
    table: dict[str, str] = {}
    for char, similar in confusables.confusables_data.items():
        for entry in similar:
            for source, target in ((char, entry["c"]), (entry["c"], char)):
                if len(source) == 1 and not source.isascii() and _is_ascii_letter(target):
                    table.setdefault(source, target.lower())
    return table


def _is_ascii_letter(text: str) -> bool:
    return len(text) == 1 and text.isascii() and text.isalpha()


def _ascii_fold(char: str) -> str:
    if char.isalpha():
        return char.lower()
    if char.isdigit() or char in "@$":
        return char
    return " " if char.isspace() else "."


_CONFUSABLES = _build_confusables() | _SUPPLEMENT
_ASCII = {chr(code): _ascii_fold(chr(code)) for code in range(128)}
_MENTION_FOLD = str.maketrans({char: latin for char, latin in _CONFUSABLES.items() if len(latin) == 1})


def _fold_char(char: str) -> str:
    return "".join(_fold_part(part, retry=True) for part in unicodedata.normalize("NFKD", char))


def _fold_part(part: str, retry: bool) -> str:
    if part.isascii():
        return _ASCII[part]
    if unicodedata.category(part) in _INVISIBLE:
        return ""
    if part.isspace():
        return " "
    latin = _CONFUSABLES.get(part)
    if latin is not None:
        return latin
    lower = unicodedata.normalize("NFKD", part.casefold())  # "ẞ" → "ss", capitals the data lacks
    if retry and lower != part:
        return "".join(_fold_part(char, retry=False) for char in lower)
    return "."  # letters of other scripts separate words: CJK prompts do not use spaces


class _FoldTable(dict[int, str]):
    """A `str.translate` table that folds each code point the first time it is seen."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD = _FoldTable()


def _substitute(match: re.Match[str]) -> str:
    token = match.group()
    if not token.strip("0123456789@$") or _UNIT.fullmatch(token):
        return "."  # a number, not a disguised word: "1999", "5am", "4k"
    return token.translate(_SUBSTITUTES)


def _canonical(text: str) -> str:
    """Folded text: words of `[a-z]` pieces joined by single `.`, words separated by single spaces."""
    folded = text.translate(_FOLD)
    if not folded.isalpha():  # plain C string operations: this runs on every prompt
        folded = _WITH_DIGITS.sub(_substitute, folded)
        folded = _DOT_RUN.sub(".", folded).replace(". ", " ").replace(" .", " ")
        folded = " ".join(folded.split()).strip(".")
    if _SPACED_PAIR.search(" " + folded):
        folded = _SPACED_LETTERS.sub(lambda m: m.group().replace(" ", ""), folded)
    return folded


def normalize(text: str) -> str:
    """Canonical matching form: lowercase ASCII words separated by single spaces, "" if no letters.

    NFKC and case folding, diacritics stripped, look-alike letters of other scripts mapped to
    Latin, digit/symbol substitutions inside words (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s),
    separators inside a word dropped and spaced-out letters joined: "P.i.k.a-chu's" → "pikachus".
    Use `Detector` to look for a name in a text: it also knows the boundaries this form drops,
    and treats "i" and "l" as one letter (so 1, I and l are interchangeable).
    """
    return _canonical(text).replace(".", "")


def _detection_form(text: str) -> str:
    # "l" and "i" are one letter for matching: "1" stands for both and "I" passes for "l".
    return _canonical(text).replace("l", "i")


def _variant_hashes(word: str) -> Iterator[int]:
    """Hashes of `word` (variant 0) and of its one-letter deletions (variant k leaves out the
    letter at len(word) - k), as tuples of letters: `itertools.combinations` builds them in C,
    so a prompt word costs no Python-level slicing.
    """
    if len(word) < MIN_TYPO_LETTERS:  # its deletions are shorter than anything indexed
        return iter((hash(tuple(word)),))
    return map(hash, chain((tuple(word),), combinations(word, len(word) - 1)))


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance ≤ 1 (one substitution, insertion or deletion)."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + 1 :] == b[i + 1 :] if len(a) == len(b) else a[i:] == b[i + 1 :]


def _anchored(text: str) -> str:
    return _MARK + text + _MARK


class Detector(Generic[K]):
    """Finds which keys' aliases a text mentions, in time independent of the number of aliases.

    Build once (it indexes every alias) and share: `find` does not mutate it.
    `typo_tolerance=False` keeps the normalisation and boundaries but requires exact spelling
    (word lists such as a rating lexicon, where one edit turns "naked" into "baked").
    """

    def __init__(self, entries: Iterable[tuple[K, str]], *, typo_tolerance: bool = True) -> None:
        self._aliases: list[tuple[K, str, int]] = []  # key, letters, number of words
        self._typos: dict[int, int | list[int]] = {}  # variant hash → aliases (see _variant_hashes)
        self._spaced: dict[str, list[tuple[int, int]]] = {}  # word → (words, position) in aliases
        self._spaced_sizes: set[tuple[str, int, int, int]] = set()  # ... and the alias's letters
        patterns: dict[str, set[K]] = {}
        for key, alias in entries:
            words = _detection_form(alias).replace(" ", ".").split(".")
            if words != [""]:  # an alias without letters can never be written in a prompt
                self._add(key, words, patterns, typo_tolerance)
        longest = max((len(letters) for _, letters, _ in self._aliases), default=0)
        self._longest = min(longest + 1, _LONGEST_WINDOW)
        self._automaton = ahocorasick.Automaton()
        for pattern, keys in patterns.items():
            self._automaton.add_word(pattern, tuple(keys))
        self._automaton.make_automaton()

    def __len__(self) -> int:
        """Number of aliases indexed (those with at least one letter)."""
        return len(self._aliases)

    def find(self, text: str) -> set[K]:
        """Keys with an alias in `text`, each once."""
        canon = _detection_form(text)
        found: set[K] = set()
        if canon and self._aliases:
            self._find_exact(canon, found)
            self._find_in_words(canon.split(" "), found)
        return found

    def _add(self, key: K, words: list[str], patterns: dict[str, set[K]], typos: bool) -> None:
        index, letters = len(self._aliases), "".join(words)
        self._aliases.append((key, letters, len(words)))
        patterns.setdefault(_anchored(letters), set()).add(key)
        if len(words) > 1:
            patterns.setdefault(_anchored(_MARK.join(words)), set()).add(key)
        if not typos or len(letters) < MIN_TYPO_LETTERS:
            return
        for variant in set(_variant_hashes(letters)):
            held = self._typos.setdefault(variant, index)
            if isinstance(held, list):
                held.append(index)
            elif held != index:
                self._typos[variant] = [held, index]
        for position, word in enumerate(words if len(words) > 1 else ()):
            places = self._spaced.setdefault(word, [])
            if (len(words), position) not in places:  # short: common words share their places
                places.append((len(words), position))
            self._spaced_sizes.add((word, len(words), position, len(letters)))

    def _find_exact(self, canon: str, found: set[K]) -> None:
        # Words joined whole (marks at hard boundaries only), then split at every separator, so an
        # alias may span tight separators ("pika-chu") or end at one ("Link's"). The doubled mark
        # between the two copies keeps a multi-word pattern from straddling them.
        stream = _anchored(canon.replace(".", "").replace(" ", _MARK))
        if "." in canon:
            stream += _anchored(canon.translate(_TO_MARKS))
        for _, keys in self._automaton.iter(stream):
            found.update(keys)

    def _find_in_words(self, words: list[str], found: set[K]) -> None:
        memo: dict[str, tuple[K, ...]] = {}  # words repeat within a prompt
        spaced = self._spaced
        for index, word in enumerate(words):
            if "." in word:
                self._find_in_pieces(word.split("."), memo, found)
                continue
            keys = memo.get(word)  # the body of _typo_keys, inlined: this runs for every word
            if keys is None:
                keys = memo[word] = self._keys_of(self._typo_aliases(word))
            if keys:
                found.update(keys)
            if word in spaced:
                self._find_spaced(words, index, found)

    def _find_in_pieces(self, pieces: list[str], memo: dict[str, tuple[K, ...]], found: set[K]) -> None:
        """Runs of pieces of one word: the exact scan only saw single pieces and the whole word."""
        for start in range(len(pieces)):
            text = ""
            for end in range(start + 1, len(pieces) + 1):
                text += pieces[end - 1]
                if len(text) > self._longest:
                    break
                if 1 < end - start < len(pieces):
                    found.update(self._automaton.get(_anchored(text), ()))
                found.update(self._typo_keys(text, memo))

    def _find_spaced(self, words: list[str], index: int, found: set[K]) -> None:
        """A multi-word alias written with spaces and one typo: another of its words is exact,
        so each exact word proposes the window of prompt words the alias would cover."""
        word, sizes = words[index], self._spaced_sizes
        for count, position in self._spaced[word]:
            start = index - position
            if start < 0 or start + count > len(words):
                continue
            text = "".join(words[start : start + count]).replace(".", "")
            size = len(text)  # one edit away: an alias of this place has one letter more or less
            if {(word, count, position, size + d) for d in (-1, 0, 1)}.isdisjoint(sizes):
                continue
            for alias in self._typo_aliases(text):
                key, _, alias_words = self._aliases[alias]
                if alias_words > 1:  # a one-word alias does not span a space: "cool cat"
                    found.add(key)

    def _typo_keys(self, text: str, memo: dict[str, tuple[K, ...]]) -> tuple[K, ...]:
        keys = memo.get(text)
        if keys is None:
            keys = memo[text] = self._keys_of(self._typo_aliases(text))
        return keys

    def _keys_of(self, aliases: list[int]) -> tuple[K, ...]:
        return tuple({self._aliases[alias][0] for alias in aliases}) if aliases else ()

    def _typo_aliases(self, text: str) -> list[int]:
        """Aliases within one edit of `text`: a shared hash nominates, the strings confirm."""
        if not MIN_TYPO_LETTERS - 1 <= len(text) <= self._longest:
            return []
        hashes = list(_variant_hashes(text))
        if self._typos.keys().isdisjoint(hashes):
            return []  # the usual case, decided in C
        hits, confirmed = self._typos.keys() & hashes, []
        for variant, hashed in enumerate(hashes):
            if hashed not in hits:
                continue
            held = self._typos[hashed]
            for alias in (held,) if isinstance(held, int) else held:
                if alias not in confirmed and _confirms(text, variant, self._aliases[alias][1]):
                    confirmed.append(alias)
        return confirmed


def _confirms(text: str, variant: int, target: str) -> bool:
    """Whether `text` is one edit from `target`, given that its variant number `variant` (see
    `_variant_hashes`) hashed like `target` or like a one-letter deletion of it."""
    if variant == 0:  # the text itself: the alias, or the alias missing a letter
        return text == target or (len(target) == len(text) + 1 and _within_one_edit(text, target))
    gap = len(text) - variant  # the letter this variant leaves out
    if len(target) == len(text) - 1:  # an extra letter in the text
        return text[:gap] + text[gap + 1 :] == target
    # Same length: one substitution, at the gap (a deletion elsewhere would be two edits).
    return len(target) == len(text) and text[:gap] == target[:gap] and text[gap + 1 :] == target[gap + 1 :]


def find_mentions(text: str) -> list[str]:
    """Lowercased handles of `@handle` mentions (handle = [a-z0-9_]{3,30}), in order, unique.

    Works on the raw text (the name normalisation would read "@" as "a"), after NFKC and mapping
    look-alike letters, so "＠ｌｅｎａ" and a Cyrillic "а" in a handle still name the user.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_MENTION_FOLD).lower()
    return list(dict.fromkeys(_MENTION.findall(folded)))
