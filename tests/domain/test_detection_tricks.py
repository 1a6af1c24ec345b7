"""One test per trick of RULES §2, on a small catalog: what each must catch, and what it must not."""

from __future__ import annotations

import pytest

from domain.detection import Detector, MatchKind

DETECTOR = Detector(
    [
        ("zorblax", "Zorblax"),
        ("glimmerwing", "Glimmerwing"),
        ("kraken", "Krakenhorn"),
        ("vader", "Darth Vader"),
        ("ash", "Ash"),
        ("bolt", "Bolt"),
        ("pumble", "Pumblewick"),
    ],
    descriptors=[("zorblax", ["purple tentacles", "three eyes", "laser monocle"], 3)],
)

CAUGHT = [
    ("zorblax", "Zobrlax eats ramen", MatchKind.FUZZY),  # adjacent swap: one edit
    ("glimmerwing", "Glimmeirng at dawn", MatchKind.FUZZY),  # two edits from nine letters
    ("kraken", "Kraken horn surfing", MatchKind.NORMALISED),  # split into words
    ("zorblax", "#ZorblaxInvades the city", MatchKind.NORMALISED),  # hashtag, CamelCase
    ("zorblax", "#teamzorblaxforever", MatchKind.NORMALISED),  # glued between everyday words
    ("zorblax", "@zorblaxfan posts", MatchKind.NORMALISED),  # a handle
    ("zorblax", "a Zorblaxian parade", MatchKind.NORMALISED),  # -ian
    ("zorblax", "Zorblax-themed party", MatchKind.NORMALISED),
    ("zorblax", "Xalbroz returns", MatchKind.FUZZY),  # reversed
    ("zorblax", "Zorblacks returns", MatchKind.PHONETIC),  # sound
    ("zorblax", "Зорблакс returns", MatchKind.TRANSLITERATED),  # Cyrillic
    ("zorblax", "ゾルブラックス returns", MatchKind.TRANSLITERATED),  # katakana
    ("zorblax", "Ζορμπλαξ returns", MatchKind.TRANSLITERATED),  # Greek
    ("vader", "ダース・ベイダー returns", MatchKind.TRANSLITERATED),
    ("zorblax", "purple tentacles, three eyes and a laser monocle", MatchKind.DESCRIBED),
    ("zorblax", "Ｚｏｒｂｌａｘ and Z\u200bor\u00adblax", MatchKind.NORMALISED),  # fullwidth, invisible
    ("ash", "#TeamAsh", MatchKind.NORMALISED),  # a short name glued on purpose
]

LEFT_ALONE = [
    "Cash only at the register",  # word boundaries: "Ash" is not in "cash"
    "A glimmering lake",  # an everyday word matches only exactly, never by typo
    "bold colors, a colt in a field",  # near "Bolt", but everyday words
    "purple tentacles and three eyes",  # two descriptors of three
    "a crumbled wick",  # not "Pumblewick"
    "claymation of a lone tree",
]


@pytest.mark.parametrize(("key", "prompt", "kind"), CAUGHT, ids=[prompt for _, prompt, _ in CAUGHT])
def test_tricks_are_caught_and_explained(key: str, prompt: str, kind: MatchKind) -> None:
    matches = [m for m in DETECTOR.explain(prompt) if m.key == key]
    assert matches, prompt
    assert kind in {m.kind for m in matches}
    assert all(m.text and m.alias for m in matches)


@pytest.mark.parametrize("prompt", LEFT_ALONE)
def test_everyday_words_are_left_alone(prompt: str) -> None:
    assert DETECTOR.find(prompt) == set()


def test_an_everyday_name_matches_exactly() -> None:
    assert [m.kind for m in DETECTOR.explain("Bolt runs")] == [MatchKind.EXACT]
    assert DETECTOR.find("bolts of cloth") == set()  # no affix or typo on an everyday word


def test_add_and_remove_in_place() -> None:
    detector = Detector([(1, "Zorblax")])
    detector.add(2, "Vexmoor")
    assert detector.find("Vexmor and Zorblax") == {1, 2}
    detector.remove(1)
    assert detector.find("Vexmor and Zorblax") == {2}
    detector.add(1, "Quillby")
    assert detector.find("Kwillbie and Zorblax") == {1}
