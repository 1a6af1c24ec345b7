"""How a name sounds and how other scripts write it (RULES.md §2: spelled by sound, transliterated).

`sound_form` rewrites English spelling to one spelling per sound ("Phroztmantle" and
"Frostmantle" both give "frostmantie"), so sound-alike spellings land within an edit or two of
each other and the typo index can find them. `transliterate` reads Cyrillic and Greek (anyascii,
after Greek's two-letter consonants) and Japanese kana (pykakasi's Hepburn romanisation);
`loose_form` is the consonant skeleton that a name keeps through those scripts: Japanese adds
vowels and has no l/r or b/v contrast, and drops an r before a consonant ("Darth" → "daasu").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pykakasi
from anyascii import anyascii

# Ordered respellings: the first that applies at a place wins (longest first where they overlap).
_SOUNDS = (
    ("tch", "c"), ("sch", "sk"), ("ph", "f"), ("gh", "g"), ("ck", "k"), ("cc", "k"), ("qu", "kw"),
    ("kh", "k"), ("wh", "w"), ("ee", "i"), ("ea", "i"), ("ie", "i"), ("ei", "i"), ("ey", "i"),
    ("oo", "u"), ("ou", "u"), ("ew", "u"), ("oa", "o"), ("ay", "e"), ("ai", "e"), ("x", "ks"),
    ("c", "k"), ("q", "k"), ("z", "s"), ("y", "i"), ("j", "g"),
)  # fmt: skip
_SOUND_RE = re.compile("|".join(re.escape(old) for old, _ in _SOUNDS))
_SOUND_MAP = dict(_SOUNDS)
_DOUBLE = re.compile(r"(.)\1+")
_SILENT_H = re.compile(r"(?<=[aeiou])h(?![aeiou])|^h")

_GREEK_DIGRAPHS = (("μπ", "b"), ("ντ", "d"), ("γκ", "g"), ("γγ", "ng"), ("τζ", "dz"), ("ου", "u"),
                   ("αι", "e"), ("ει", "i"), ("οι", "i"))  # fmt: skip
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]+")
_LOOSE = str.maketrans({"l": "r", "v": "b", "w": "u", "z": "s", "c": "k", "q": "k", "x": "k", "j": "g", "f": "h"})
_CONSONANT_R = re.compile(r"r(?=[^aeiou]|$)")
_VOWELS_H = re.compile(r"[aeiouyh]")
_KAKASI = pykakasi.kakasi()


@lru_cache(maxsize=65_536)
def sound_form(letters: str) -> str:
    """One spelling per sound: "zorblacks" and "zorblax" → "sorblaks", "kwillbie" → "kwilbi"."""
    spelled = _SOUND_RE.sub(lambda m: _SOUND_MAP[m.group()], letters)
    spelled = _SILENT_H.sub("", spelled)
    return _DOUBLE.sub(r"\1", spelled)


@lru_cache(maxsize=65_536)
def loose_form(letters: str) -> str:
    """The consonants a name keeps through Japanese, Russian or Greek: "darthvader" and
    "daasubeidaa" → "dsbd", "zorblax" → "srbrks", "zoruburakkusu" → "srbrks"."""
    spelled = sound_form(letters).replace("th", "s").replace("ng", "n")
    spelled = _CONSONANT_R.sub("", spelled.translate(_LOOSE)) if "r" in spelled else spelled.translate(_LOOSE)
    return _DOUBLE.sub(r"\1", _VOWELS_H.sub("", spelled))


def has_other_script(token: str) -> bool:
    """Whether `token` has letters of a script that is read, not only folded (Cyrillic, Greek, kana)."""
    return not token.isascii() and any(_script(char) for char in token)


def _script(char: str) -> str:
    if "\u0370" <= char <= "\u03ff" or "\u1f00" <= char <= "\u1fff":
        return "greek"
    if "\u0400" <= char <= "\u04ff":
        return "cyrillic"
    if _KANA.fullmatch(char):
        return "kana"
    return ""


@lru_cache(maxsize=16_384)
def transliterate(token: str) -> tuple[str, ...]:
    """Latin words of a token written in Cyrillic, Greek or kana (other letters dropped)."""
    text = unicodedata.normalize("NFKC", token).lower()
    for greek, latin in _GREEK_DIGRAPHS:
        text = text.replace(greek, latin)
    text = _KANA.sub(lambda m: " " + " ".join(part["hepburn"] for part in _KAKASI.convert(m.group())) + " ", text)
    latin = anyascii(text).lower()
    return tuple(word for word in re.split(r"[^a-z]+", latin) if word)
