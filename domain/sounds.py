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
_KS_RUN = re.compile(r"(?:ks)+")  # "xx", "cksx": one sound
_DOUBLE = re.compile(r"(.)\1+")
_DOUBLE_CONSONANT = re.compile(r"([^aeiou])\1+")  # "xx" is one x; "ee" is not one e
_SILENT_H = re.compile(r"(?<=[aeiou])h(?![aeiou])|^h")

# Greek writes b, d and g with two letters (μπ, ντ, γκ) at the start of a word, mb, nd and ng inside.
_GREEK_START = re.compile(r"(?<![^\W\d_])(μπ|ντ|γκ)")
_GREEK_DIGRAPHS = (("μπ", "mb"), ("ντ", "nd"), ("γκ", "ng"), ("γγ", "ng"), ("τζ", "j"), ("ου", "u"),
                   ("αι", "e"), ("ει", "i"), ("οι", "i"))  # fmt: skip
_GREEK_INITIAL = {"μπ": "b", "ντ": "d", "γκ": "g"}
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]+")
_LOOSE = str.maketrans({"l": "r", "v": "b", "w": "u", "z": "s", "c": "k", "q": "k", "x": "k", "j": "g", "f": "h"})
_CONSONANT_R = re.compile(r"r(?=[^aeiou]|$)")
_NASAL_STOP = re.compile(r"[mn](?=[bpdtgk])")
_VOWELS_H = re.compile(r"[aeiouyh]")
_KAKASI = pykakasi.kakasi()  # type: ignore[no-untyped-call]


@lru_cache(maxsize=65_536)
def sound_form(letters: str) -> str:
    """One spelling per sound: "zorblacks" and "zorblax" → "sorblaks", "kwillbie" → "kwilbi"."""
    spelled = _SOUND_RE.sub(lambda m: _SOUND_MAP[m.group()], _DOUBLE_CONSONANT.sub(r"\1", letters))
    spelled = _SILENT_H.sub("", spelled)
    return _DOUBLE.sub(r"\1", _KS_RUN.sub("ks", spelled))


@lru_cache(maxsize=65_536)
def loose_form(letters: str) -> str:
    """The consonants a name keeps through Japanese, Russian or Greek: "darthvader" and
    "daasubeidaa" → "dsbd", "zorblax" → "srbrks", "zoruburakkusu" → "srbrks"."""
    spelled = sound_form(letters).replace("th", "s").replace("ng", "n").replace("nb", "mb").replace("np", "mp")
    spelled = _CONSONANT_R.sub("", spelled).translate(_LOOSE)  # an r that is only a long vowel goes
    spelled = _NASAL_STOP.sub("", spelled)  # Greek writes b, d as mp, nt; kana has one n for m and n
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
    if any(_script(char) == "greek" for char in text):  # accents off, then the two-letter consonants
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        text = _GREEK_START.sub(lambda m: _GREEK_INITIAL[m.group()], text)
    for greek, latin in _GREEK_DIGRAPHS:
        text = text.replace(greek, latin)
    text = _KANA.sub(lambda m: " " + " ".join(part["hepburn"] for part in _KAKASI.convert(m.group())) + " ", text)
    latin = anyascii(text).lower().replace("dzh", "j").replace("zh", "j")
    return tuple(word for word in re.split(r"[^a-z]+", latin) if word)
