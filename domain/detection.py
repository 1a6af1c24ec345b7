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

Exact matches come from one Aho-Corasick automaton whose patterns are anchored on boundary
marks, so it reports real matches only, however many aliases there are. Aliases of 5+ letters
also match with one edit, through the deletion neighbourhood: the hashes of each alias and of
its one-letter deletions sit in a dict, where each distinct prompt word looks up its own in one
C-level set operation. A multi-word alias typo'd between spaces ("Darth Vadar") is found from
its exact word: each alias word is indexed under the word beside it, so an exact prompt word
only has its neighbours compared with the few alias words that sit next to it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable
from itertools import chain, combinations, compress, count
from operator import ne
from typing import Generic, TypeVar

import ahocorasick
from confusable_homoglyphs import confusables

K = TypeVar("K", bound=Hashable)

MIN_TYPO_LETTERS = 5  # shorter aliases must match exactly: one edit of "Ash" is half the dictionary

_MARK = "#"  # boundary mark in the automaton's input; folded text never contains it
_LONGEST_WINDOW = 64  # letters: bounds the work on a word cut into many pieces ("a.b.c.d...")
_LEFT, _RIGHT = 0, 1  # where the exact neighbour of a typo'd word of a multi-word alias sits
_PLACES, _WHOLE = 256, 255  # a typo index entry: alias * _PLACES + place of the deleted letter
_DIRECT = 8  # up to this many alias words beside an exact word are compared directly, not hashed

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
_LATIN_NAME = re.compile(r"LATIN (?:CAPITAL |SMALL )?LETTER (?:SMALL CAPITAL )?([A-Z])\b")
_MENTION = re.compile(r"(?<![\w@])@([a-z0-9_]{3,30})(?!\w)")


def _build_confusables() -> dict[str, str]:
    """Every non-ASCII character the Unicode data says looks like one ASCII letter → that letter,
    also through one intermediate look-alike (small capital ᴋ → Greek κ → k)."""
    pairs = [
        (source, target)
        for char, similar in confusables.confusables_data.items()
        for entry in similar
        for source, target in ((char, entry["c"]), (entry["c"], char))
        if len(source) == 1 and not source.isascii()
    ]
    table = {s: t.lower() for s, t in reversed(pairs) if len(t) == 1 and t.isascii() and t.isalpha()}
    known = table | _SUPPLEMENT
    for source, target in pairs:
        if source not in table and target in known:
            table[source] = known[target]
    return table


def _ascii_fold(char: str) -> str:
    if char.isalnum() or char in "@$":
        return char.lower()
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
    lower = unicodedata.normalize("NFKD", part.casefold())
    if lower.isascii() and lower.isalpha():  # "ß" → "ss" before its look-alike "β"
        return lower
    latin = _CONFUSABLES.get(part)
    if latin is not None:
        return latin
    named = _LATIN_NAME.match(unicodedata.name(part, ""))  # "LATIN LETTER SMALL CAPITAL N"
    if named:
        return named.group(1).lower()
    if retry and lower != part:  # a capital the data lacks, through its small letter
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


def _variant_hashes(word: str) -> list[int]:
    """Hashes of `word` (first) and of its one-letter deletions, as tuples of letters:
    `itertools.combinations` builds them in C, so a prompt word costs no Python-level slicing.
    The deletions come last letter first: hash k leaves out the letter at len(word) - k."""
    return list(map(hash, chain((tuple(word),), combinations(word, len(word) - 1))))


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance ≤ 1 (one substitution, insertion or deletion)."""
    if a == b:
        return True
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    if len(a) == len(b):
        return bool(sum(map(ne, a, b)) == 1)
    first = next(compress(count(), map(ne, a, b)), len(a))  # the first difference, found in C
    return a[first:] == b[first + 1 :]


def _anchored(text: str) -> str:
    return _MARK + text + _MARK


_Beside = dict[str, list[tuple[int, int]]]  # exact word → (alias, position of the word beside)
_BesideHashed = dict[str, dict[int, list[tuple[int, int]]]]  # ... by variant hash of that word


class Detector(Generic[K]):
    """Finds which keys' aliases a text mentions, in time independent of the number of aliases.

    Build once (it indexes every alias) and share: `find` does not mutate it.
    `typo_tolerance=False` keeps the normalisation and boundaries but requires exact spelling
    (word lists such as a rating lexicon, where one edit turns "naked" into "baked").
    """

    def __init__(self, entries: Iterable[tuple[K, str]], *, typo_tolerance: bool = True) -> None:
        self._aliases: list[tuple[K, str, tuple[str, ...]]] = []  # key, letters, words
        self._typos: dict[int, int | list[int]] = {}  # variant hash (_variant_hashes) → entries
        # Multi-word aliases typo'd between spaces, by the side their exact word is on: exact
        # word → (alias, position of the word beside it) and, for common exact words, the same
        # by variant hash of the word beside it.
        self._beside: tuple[_Beside, _Beside] = ({}, {})
        self._beside_hashed: tuple[_BesideHashed, _BesideHashed] = ({}, {})
        # ... and what the words beside them look like: bit masks of lengths, first and last letters.
        self._beside_looks: tuple[dict[str, _Looks], dict[str, _Looks]] = ({}, {})
        patterns: dict[str, set[K]] = {}
        for key, alias in entries:
            words = tuple(_detection_form(alias).replace(" ", ".").split("."))
            if words != ("",):  # an alias without letters can never be written in a prompt
                self._add(key, words, patterns, typo_tolerance)
        for side in (_LEFT, _RIGHT):
            self._hash_common_neighbours(side)
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
            _Scan(self, canon.split(" "), found).run()
        return found

    def _add(self, key: K, words: tuple[str, ...], patterns: dict[str, set[K]], typos: bool) -> None:
        index, letters = len(self._aliases), "".join(words)
        self._aliases.append((key, letters, words))
        patterns.setdefault(_anchored(letters), set()).add(key)
        if len(words) > 1:
            patterns.setdefault(_anchored(_MARK.join(words)), set()).add(key)
        if not typos or len(letters) < MIN_TYPO_LETTERS:
            return
        for variant, hashed in enumerate(_variant_hashes(letters)[:_WHOLE]):
            # The place of the deleted letter, so that a lookup tells a substitution there from
            # a deletion elsewhere ("grain" and "rgain" both lose a letter to give "rain").
            code = index * _PLACES + (len(letters) - variant if variant else _WHOLE)
            held = self._typos.setdefault(hashed, code)
            if isinstance(held, list):
                held.append(code)
            elif held != code:
                self._typos[hashed] = [held, code]
        for position in range(len(words) if len(words) > 1 else 0):
            neighbour, side = (words[position - 1], _LEFT) if position else (words[1], _RIGHT)
            if len(neighbour) > 1:  # "a" and "i" are in every prompt: one letter anchors nothing
                self._beside[side].setdefault(neighbour, []).append((index, position))
                word, looks = words[position], self._beside_looks[side]
                size, first, last = looks.get(neighbour, (0, 0, 0))
                looks[neighbour] = (size | 1 << len(word), first | _bit(word[0]), last | _bit(word[-1]))

    def _hash_common_neighbours(self, side: int) -> None:
        for neighbour, places in self._beside[side].items():
            if len(places) > _DIRECT:
                hashed: dict[int, list[tuple[int, int]]] = {}
                for alias, position in places:
                    for variant in set(_variant_hashes(self._aliases[alias][2][position])):
                        hashed.setdefault(variant, []).append((alias, position))
                self._beside_hashed[side][neighbour] = hashed

    def _find_exact(self, canon: str, found: set[K]) -> None:
        # Words joined whole (marks at hard boundaries only), then split at every separator, so an
        # alias may span tight separators ("pika-chu") or end at one ("Link's"). The doubled mark
        # between the two copies keeps a multi-word pattern from straddling them.
        stream = _anchored(canon.replace(".", "").replace(" ", _MARK))
        if "." in canon:
            stream += _anchored(canon.translate(_TO_MARKS))
        for _, keys in self._automaton.iter(stream):
            found.update(keys)

    def _typo_keys(self, text: str, hashes: list[int]) -> tuple[K, ...]:
        """Keys of the aliases within one edit of `text` (whose variant hashes are given)."""
        # A four-letter word can only be a five-letter alias missing a letter: its own hash.
        probe = hashes if len(text) >= MIN_TYPO_LETTERS else hashes[:1]
        typos, hits, keys = self._typos, self._typos.keys() & probe, set()
        for variant, hashed in enumerate(probe):
            if hashed not in hits:
                continue
            held = typos[hashed]
            for code in (held,) if isinstance(held, int) else held:
                alias, place = divmod(code, _PLACES)
                if variant and place not in (_WHOLE, len(text) - variant):
                    continue  # a deletion at another place than the text's: two edits apart
                key, letters, _ = self._aliases[alias]
                if _shares_an_edit(text, letters):
                    keys.add(key)
        return tuple(keys)


def _shares_an_edit(text: str, target: str) -> bool:
    """Whether `text` is one edit from `target`, given a shared variant hash that says so: false
    only if 64-bit hashes collide, which costs a comparison to rule out."""
    if len(text) != len(target):
        return abs(len(text) - len(target)) == 1
    return text == target or bool(sum(map(ne, text, target)) == 1)


def _fits(words: list[str], index: int, alias_words: tuple[str, ...], at: int) -> bool:
    """Whether alias word `at`, one edit from prompt word `index`, has its other words around it."""
    if abs(len(words[index]) - len(alias_words[at])) > 1:
        return False  # the usual answer, cheapest first
    if len(alias_words) == 2:  # the other word is the exact neighbour the caller came from
        return _within_one_edit(words[index], alias_words[at])
    before, after = alias_words[:at], alias_words[at + 1 :]
    return (
        index >= len(before)
        and tuple(words[index - len(before) : index]) == before
        and tuple(words[index + 1 : index + 1 + len(after)]) == after
        and _within_one_edit(words[index], alias_words[at])
    )


_Looks = tuple[int, int, int]  # masks: lengths (bit n: n letters), first letters, last letters


def _bit(letter: str) -> int:
    return 1 << (ord(letter) - 97)


def _may_be_one_edit_from(word: str, looks: _Looks | None) -> bool:
    """A cheap necessary condition: one edit changes the length by at most one, and the first
    letter or the last, not both."""
    if looks is None:
        return False
    sizes, firsts, lasts = looks
    return bool(sizes >> (len(word) - 1) & 7) and bool(firsts & _bit(word[0]) or lasts & _bit(word[-1]))


class _Scan(Generic[K]):
    """The word-level half of one `Detector.find`: typos, and runs of pieces inside words."""

    def __init__(self, detector: Detector[K], words: list[str], found: set[K]) -> None:
        self.detector, self.words, self.found = detector, words, found
        self.hashes: dict[str, list[int]] = {}
        self.typo_keys: dict[str, tuple[K, ...]] = {}

    def run(self) -> None:
        detector, found, hashes = self.detector, self.found, self.hashes
        indexed, shortest, longest = detector._typos.keys(), MIN_TYPO_LETTERS - 1, detector._longest
        for word in dict.fromkeys(self.words):  # a word's typo matches do not depend on where it is
            if "." in word:
                self.pieces(word.split("."))
            elif shortest < len(word) <= longest:  # the hot loop: self.typos(word), inlined
                variants = hashes[word] = _variant_hashes(word)
                if not indexed.isdisjoint(variants):
                    found.update(detector._typo_keys(word, variants))
            elif len(word) == shortest and hash(tuple(word)) in indexed:  # an alias less a letter
                found.update(detector._typo_keys(word, self.variants(word)))
        present, (right_of, left_of) = set(self.words), detector._beside_looks
        anchors = (right_of.keys() & present) | (left_of.keys() & present)
        if anchors:  # exact words of multi-word aliases: the words beside them may be typo'd
            self.besides(anchors)

    def besides(self, anchors: set[str]) -> None:
        words, (right_of, left_of) = self.words, self.detector._beside_looks
        for index in compress(count(), map(anchors.__contains__, words)):
            if index + 1 < len(words) and _may_be_one_edit_from(words[index + 1], right_of.get(words[index])):
                self.beside(index + 1, _LEFT)
            if index and _may_be_one_edit_from(words[index - 1], left_of.get(words[index])):
                self.beside(index - 1, _RIGHT)

    def beside(self, index: int, side: int) -> None:
        """Word `index` as a typo'd word of a multi-word alias, the exact word on `side` of it."""
        words, detector = self.words, self.detector
        neighbour = words[index - 1 if side == _LEFT else index + 1]
        places = detector._beside[side].get(neighbour, ())
        if len(places) > _DIRECT:  # a common word: only the places whose hash the word shares
            hashed, variants = detector._beside_hashed[side][neighbour], self.variants(words[index])
            if hashed.keys().isdisjoint(variants):
                return
            places = [place for variant in hashed.keys() & variants for place in hashed[variant]]
        for alias, position in places:
            key, _, alias_words = detector._aliases[alias]
            if _fits(words, index, alias_words, position):
                self.found.add(key)

    def pieces(self, pieces: list[str]) -> None:
        """Runs of pieces of one word: the exact scan only saw single pieces and the whole word."""
        for start in range(len(pieces)):
            text = ""
            for end in range(start + 1, len(pieces) + 1):
                text += pieces[end - 1]
                if len(text) > self.detector._longest:
                    break
                if 1 < end - start < len(pieces):
                    self.found.update(self.detector._automaton.get(_anchored(text), ()))
                if len(text) >= MIN_TYPO_LETTERS - 1:
                    self.found.update(self.typos(text))

    def variants(self, text: str) -> list[int]:
        hashes = self.hashes.get(text)
        if hashes is None:
            hashes = self.hashes[text] = _variant_hashes(text[: _LONGEST_WINDOW + 1])
        return hashes

    def typos(self, text: str) -> tuple[K, ...]:
        keys = self.typo_keys.get(text)
        if keys is None:
            keys = self.typo_keys[text] = self.detector._typo_keys(text, self.variants(text))
        return keys


def find_mentions(text: str) -> list[str]:
    """Lowercased handles of `@handle` mentions (handle = [a-z0-9_]{3,30}), in order, unique.

    Works on the raw text (the name normalisation would read "@" as "a"), after NFKC and mapping
    look-alike letters, so "＠ｌｅｎａ" and a Cyrillic "а" in a handle still name the user.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_MENTION_FOLD).lower()
    return list(dict.fromkeys(_MENTION.findall(folded)))
