"""Warnings for a holder about names that will match prompts they may not mean (RULES §2):
everyday words, very short names, and names that also name another character. They never refuse."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.detection import Detector, normalize
from domain.vocabulary import is_everyday_word

K = TypeVar("K", bound=Hashable)

SHORT_LETTERS = 4  # a name of fewer letters matches only exactly, and still often by accident


class AliasWarningCode(enum.Enum):
    COMMON_WORD = "COMMON_WORD"
    SHORT = "SHORT"
    COLLIDES = "COLLIDES"


@dataclass(frozen=True)
class AliasWarning(Generic[K]):
    alias: str
    code: AliasWarningCode
    message: str
    other: K | None = None  # for COLLIDES: the character it also names


def alias_warnings(names: Iterable[str], detector: Detector[K], own: K | None = None) -> list[AliasWarning[K]]:
    """Warnings for each of a character's names and aliases; `own` is the character itself."""
    warnings: list[AliasWarning[K]] = []
    for name in dict.fromkeys(names):
        words = normalize(name).split()
        if len("".join(words)) < SHORT_LETTERS:
            message = f"“{name}” is very short: it will match many prompts that do not mean this character."
            warnings.append(AliasWarning(name, AliasWarningCode.SHORT, message))
        if words and all(is_everyday_word(word) for word in words):
            message = f"“{name}” is an everyday word: every prompt using it features this character."
            warnings.append(AliasWarning(name, AliasWarningCode.COMMON_WORD, message))
        for other in sorted({match.key for match in detector.explain(name)} - {own}, key=str):
            message = f"“{name}” also names another character: prompts using it feature both."
            warnings.append(AliasWarning(name, AliasWarningCode.COLLIDES, message, other))
    return warnings
