"""Everyday words of English, from a word-frequency list (wordfreq), not a hand-made list.

Detection (RULES §2) lets an everyday word of a prompt match a name only exactly, never by
typo or sound, and registering an everyday word as a name or alias warns the holder (and, for
a cameo's display name, keeps it out of the aliases: RULES §11). Both ask this module.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

# Zipf 3.0 = once per million words of running text: "sunset" 4.0, "bolt" 4.0, "kraken" 2.9.
EVERYDAY_ZIPF = 3.0


@lru_cache(maxsize=65_536)
def is_everyday_word(word: str) -> bool:
    """True when `word` (already normalised: lower case, plain letters) is common English."""
    return zipf_frequency(word, "en") >= EVERYDAY_ZIPF


# Zipf 2.0 = once per hundred million words: "monika" 2.9, "maro" 2.4, "glimmering" 2.3, "bokeh"
# 2.2; made-up names ("zorblax", "vexmoor") are far below. Detection lets a prompt word this common
# match a name only exactly (RULES §2). Measured on the corpus (bench/detection_quality.py): at 2.5
# "glimmering" was read as a typo of "Glimmerwing" (2% false positives); at 2.0 some typos that
# happen to be rare words ("Maro" for "Mario") are read as written.
KNOWN_ZIPF = 2.0


@lru_cache(maxsize=262_144)
def is_known_word(word: str) -> bool:
    """True when `word` (normalised) is a word of English at all, if a rare one: detection reads it
    as itself, never as a typo or a respelling of a name."""
    return zipf_frequency(word, "en") >= KNOWN_ZIPF


def load() -> None:
    """Read the word list now: wordfreq reads it on first use (about 0.1 s of CPU), which would
    otherwise land on the first prompt a process tokenises (a worker's first generation)."""
    zipf_frequency("the", "en")
