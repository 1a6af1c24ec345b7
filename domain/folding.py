"""Folding of text into the form names are matched in (RULES.md §2), one code point at a time.

Each code point is folded once and cached: NFKC/NFKD, case folding, diacritics and invisible
characters removed, look-alike letters of other scripts mapped to Latin (the Unicode confusables
data, through `confusable_homoglyphs`). What is left is ASCII letters, digits, ``@``/``$``, spaces
(hard word boundaries) and ``.``: any other symbol is a *tight* separator ("pika-chu", "Link's").
Digits and ``@``/``$`` that touch a letter become letters (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a,
$→s); numbers with a unit ("5am", "4k") stay numbers. Runs of single-letter words are joined
("p i k a c h u").
"""

from __future__ import annotations

import re
import unicodedata

from confusable_homoglyphs import confusables

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

# A run of letters, digits and @/$ holding a digit or symbol ("p1kachu", "1999"), from its start.
_WITH_DIGITS = re.compile(r"[a-z]*+[0-9@$][a-z0-9@$]*")
_UNIT = re.compile(r"[0-9]+(?:st|nd|rd|th|s|am|pm|k|m|km|kg|g|gb|mb|p|d|x|h|hz|fps|min|ms|mm|cm|yo)")
_DOT_RUN = re.compile(r"\.{2,}")
_SPACED_PAIR = re.compile(r" [a-z] [a-z](?![a-z.])")  # starts with a literal: a fast scan
_SPACED_LETTERS = re.compile(r"(?<![a-z.])[a-z](?: [a-z])+(?![a-z.])")
_LATIN_NAME = re.compile(r"LATIN (?:CAPITAL |SMALL )?LETTER (?:SMALL CAPITAL )?([A-Z])\b")


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
MENTION_FOLD = str.maketrans({char: latin for char, latin in _CONFUSABLES.items() if len(latin) == 1})


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


def canonical(text: str) -> str:
    """Folded text: words of `[a-z]` pieces joined by single `.`, words separated by single spaces."""
    return _canonical(text)


def normalize(text: str) -> str:
    """Canonical matching form: lowercase ASCII words separated by single spaces, "" if no letters.

    NFKC and case folding, diacritics stripped, look-alike letters of other scripts mapped to
    Latin, digit/symbol substitutions inside words (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s),
    separators inside a word dropped and spaced-out letters joined: "P.i.k.a-chu's" → "pikachus".
    Use `domain.detection.Detector` to look for a name in a text: it also knows the boundaries
    this form drops, and the tricks beyond it (typos, sound, other scripts).
    """
    return _canonical(text).replace(".", "")
