"""A prompt as tokens, and the candidate strings in it that could be a name (RULES.md §2).

A token is a whitespace-separated word of the prompt, folded (`domain.folding`) into pieces
split at tight separators and CamelCase. Candidates are plain tuples (this runs for every word
of every prompt): letters, first token, number of tokens, flags. Where words may be glued, the
parts around a name must be everyday words ("#teamzorblaxforever" → team | zorblax | forever),
so "Ash" is not read in "cash".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import zipf_frequency

from domain.folding import canonical
from domain.sounds import has_other_script, transliterate
from domain.vocabulary import is_everyday_word, is_known_word

FUZZY, PLAIN, FOREIGN = 1, 2, 4  # candidate flags: may match with edits, whole tokens, other script
MAX_PIECES = 12  # a token cut into more pieces is only read whole
SHORT_GLUE_ZIPF = 5.0  # "my" 6.1, "go" 5.9, "am" 5.6; "re" 4.4, "hy" 2.6
MIN_TYPO_LETTERS = 5  # as domain.detection: a shorter name matches exactly
MIN_GLUED = 6  # a shorter token is not searched for names glued to words
MIN_SPLIT_PART = 3  # everyday words this short ("in", "a") are not read as halves of a name
GLUE_LETTERS = 4  # a name glued between words this long may also be typo'd ("supertessay")
SUFFIXES = ("s", "es", "n", "ian", "ians", "ish", "esque", "like", "style", "themed", "verse", "mania")
_CAMEL = re.compile(r"(?:[A-Z]?[a-z]+)(?:[A-Z][a-z]+)+")
_CAMEL_CUT = re.compile(r"(?<=[a-z])(?=[A-Z])")
_DISGUISED = re.compile(r"\w[0-9@$]|[0-9@$]\w|\(\)")
_PARENS_O = re.compile(r"(?<=\w)\(\)|\(\)(?=\w)")
_SINGLE_LETTER_WORDS = frozenset({"a", "i"})

Candidate = tuple[str, int, int, int]  # letters, first token, tokens spanned, flags
_Add = Callable[[Candidate], None]


@dataclass(frozen=True)
class Token:
    raw: str
    pieces: tuple[str, ...]  # plain letters, cut at separators and CamelCase
    letters: str  # the pieces joined
    merged: str  # matching form: "l" read as "i" (1, I and l look alike)
    known: bool  # a word of the language, if a rare one: it matches only exactly
    everyday: bool  # a common word: not half of a split name unless it is long enough
    foreign: tuple[str, ...]  # Latin reading of Cyrillic, Greek or kana letters


@lru_cache(maxsize=131_072)
def _fold(raw: str) -> Token:
    bare = _PARENS_O.sub("o", raw.lstrip("#"))  # "()" for "o"
    if _CAMEL.fullmatch(bare.strip(".,;:!?\"'()")):
        bare = _CAMEL_CUT.sub(".", bare)
    pieces = tuple(piece for piece in canonical(bare).replace(" ", ".").split(".") if piece)
    plain = "".join(pieces)
    # A word written with digits or symbols for letters ("E1sa") is not a word as written.
    known = bool(plain) and is_known_word(plain) and not _DISGUISED.search(raw)
    # Read as Russian, Greek or Japanese unless every letter is a look-alike and they spell a word.
    look_alike = known and sum(char.isalpha() for char in raw) <= len(plain)
    foreign = transliterate(raw) if has_other_script(raw) and not look_alike else ()
    return Token(raw, pieces, plain, plain.replace("l", "i"), known, known and is_everyday_word(plain), foreign)


def tokens(text: str) -> list[Token]:
    """The prompt's tokens with letters; runs of three or more single letters joined ("p i k a")."""
    folded = [token for token in map(_fold, text.split()) if token.letters or token.foreign]
    out: list[Token] = []
    run: list[Token] = []
    for token in [*folded, None]:
        if token is not None and len(token.letters) == 1 and not token.foreign:
            run.append(token)
            continue
        if len(run) >= 3:
            letters = "".join(t.letters for t in run)
            merged = letters.replace("l", "i")
            out.append(Token(" ".join(t.raw for t in run), (letters,), letters, merged, False, False, ()))
        else:
            out.extend(run)
        run = []
        if token is not None:
            out.append(token)
    return out


def candidates(prompt: list[Token], longest: int, tolerant: bool, name_words: Container[str]) -> list[Candidate]:
    """Candidates other than runs of whole tokens spelling a name exactly (`domain.token_runs`):
    tokens and pairs of tokens that may be typo'd, runs of a token's pieces, a token less an
    affix or the part of it glued between words, and the readings of other scripts."""
    found: list[Candidate] = []
    add = found.append
    for position, token in enumerate(prompt):
        fuzzy = FUZZY if tolerant and not token.known else 0
        if fuzzy:
            add((token.letters, position, 1, FUZZY | PLAIN))
            # Typos across a space in a name split in two or of two words ("Zorb lxa", "Korvath
            # Velmrie", "Tesza ly"): the other part unknown too, or a short piece.
            if position + 1 < len(prompt) and _splits_with(prompt[position + 1], name_words):
                add((token.letters + prompt[position + 1].letters, position, 2, FUZZY | PLAIN))
            if position and prompt[position - 1].known and _splits_with(prompt[position - 1], name_words):
                add((prompt[position - 1].letters + token.letters, position - 1, 2, FUZZY | PLAIN))
        if len(token.pieces) > 1:
            _piece_runs(token, position, longest, tolerant, add)
        if fuzzy and len(token.letters) >= MIN_GLUED:
            _affixed_and_glued(token, position, add)
        for at, word in enumerate(token.foreign):
            add((word, position, 1, FUZZY | FOREIGN))
            if at + 1 < len(token.foreign):
                add((word + token.foreign[at + 1], position, 1, FUZZY | FOREIGN))
    return found


def _splits_with(token: Token, name_words: Container[str]) -> bool:
    """Whether a typo'd word may be read with `token` beside it: an unknown or short word (the
    other half of a split name), or a word of a name of several words ("Peter" of "Peter Parker")."""
    return not token.known or len(token.letters) <= MIN_SPLIT_PART or token.merged in name_words


def weak_run(prompt: list[Token], first: int, size: int) -> bool:
    """Whether a run of tokens is everyday words, one of them short: "line in" is not the name
    "Linein", but "Kraken horn" may be "Krakenhorn"."""
    run = prompt[first : first + size]
    return size > 1 and all(t.everyday for t in run) and any(len(t.letters) < MIN_SPLIT_PART for t in run)


def _piece_runs(token: Token, position: int, longest: int, tolerant: bool, add: _Add) -> None:
    """Runs of a token's pieces: "zorblax" in "Zorblax's", "ZorblaxInvades", "Zor-blax-style"."""
    pieces = token.pieces[:MAX_PIECES]
    for start in range(len(pieces)):
        plain = ""
        for end in range(start + 1, len(pieces) + 1):
            plain += pieces[end - 1]
            if len(plain) > longest:
                break
            if end - start < len(token.pieces):
                fuzzy = FUZZY if tolerant and len(plain) > 3 and not is_known_word(plain) else 0
                add((plain, position, 1, fuzzy))


def _affixed_and_glued(token: Token, position: int, add: _Add) -> None:
    plain = "".join(token.pieces)
    for suffix in SUFFIXES:
        stem = plain[: -len(suffix)]
        if plain.endswith(suffix) and len(stem) >= 4 and (suffix != "n" or stem[-1] in "aeiou"):
            add((stem, position, 1, 0))  # "-n" is "-ian" after a vowel: "Sonikan"; as written only
    # In a hashtag or a handle a name is glued on purpose: it may be short or typo'd there. Glued
    # into a plain word, only a name of five letters or more, as written, is read.
    tagged = token.raw[0] in "#@"
    if plain.startswith("a") and token.raw[0] == "@":
        plain = plain[1:]  # the "@" of a handle, read as an "a" by the folding
    for middle, strong in glued_middles(plain):
        if tagged or len(middle) >= MIN_TYPO_LETTERS:
            fuzzy = (tagged or strong) and len(middle) >= MIN_TYPO_LETTERS and not is_known_word(middle)
            add((middle, position, 1, FUZZY if fuzzy else 0))


@lru_cache(maxsize=32_768)
def glued_middles(word: str) -> tuple[tuple[str, bool], ...]:
    """The parts of `word` between a run of everyday words before and one after (either may be
    empty, not both), each with whether those words are all of four letters or more (then the
    part may be a typo'd name): "superzorbax" → ("zorbax", True), "claymati|on" → ("clay", False)."""
    size = len(word)
    if size > 40:
        return ()
    starts = {
        i: _glued(word[:i], prefix=True, shortest=GLUE_LETTERS) for i in range(size + 1) if _glued(word[:i], True)
    }
    ends = {
        j: _glued(word[j:], prefix=False, shortest=GLUE_LETTERS) for j in range(size + 1) if _glued(word[j:], False)
    }
    return tuple((word[i:j], starts[i] and ends[j]) for i in starts for j in ends if j - i >= 3 and (i, j) != (0, size))


@lru_cache(maxsize=65_536)
def _glued(text: str, prefix: bool, shortest: int = 1) -> bool:
    """Whether `text` is empty or a run of everyday words of `shortest` letters or more; very common
    short words ("my", "go", "i") only in a `prefix` (before a name: "ilovezorblax"; after one they
    are pieces of anything)."""
    if not text:
        return True
    return any(
        len(text[:cut]) >= shortest and _glue_word(text[:cut], prefix) and _glued(text[cut:], prefix, shortest)
        for cut in range(len(text), 0, -1)
    )


def _glue_word(word: str, short: bool) -> bool:
    if len(word) >= 3:
        return is_everyday_word(word)
    if not short:
        return False
    return zipf_frequency(word, "en") >= SHORT_GLUE_ZIPF if len(word) == 2 else word in _SINGLE_LETTER_WORDS


def descriptor_words(trait: str) -> tuple[str, ...]:
    """A descriptor in the form prompt tokens take: one matching-form word per word."""
    return tuple(word.replace(".", "") for word in canonical(trait).split() if word.strip("."))
