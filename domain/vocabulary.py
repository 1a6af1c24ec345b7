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
