"""Writes the labelled detection corpus: `python bench/detection_corpus.py` from the repository root.

The corpus lives in `domain/data/detection_corpus/` and is committed; this script is how it was
made, kept so that it can be extended and re-made (it is seeded: the same files each run). It
does not use our detector: each trick is written here from what people type, not from what the
matcher knows.

- `tricked.jsonl`: prompts naming one catalog character with a trick: {"prompt", "character",
  "category", "written"} where "written" is how the name appears.
- `everyday.txt`: everyday English prompts naming no character, one a line, many with words one
  or two edits from catalog names.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.detection_corpus_text import EVERYDAY_PARTS, EVERYDAY_RARER, EVERYDAY_WRITTEN, SCENES, SOUND_RULES

CORPUS = Path(__file__).resolve().parent.parent / "domain" / "data" / "detection_corpus"
SEED = 20261204
PER_CATEGORY = 50
EVERYDAY = 1_100

_LEET = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7", "l": "1"}
_LEET_ALT = {"a": "@", "s": "$", "o": "()", "e": "€"}
_HOMOGLYPHS = {
    "a": "аα", "c": "сϲ", "e": "еε", "i": "іι", "o": "оοо", "p": "рρ", "x": "хχ", "y": "уγ",
    "k": "κк", "n": "ո", "h": "һ", "j": "ј", "s": "ѕ", "B": "ВΒ", "M": "МΜ", "T": "ТΤ",
    "H": "НΗ", "K": "КΚ", "Z": "Ζ", "P": "РΡ", "A": "АΑ", "E": "ЕΕ", "O": "ОΟ", "X": "ХΧ",
}  # fmt: skip
_INVISIBLES = ("\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_CONSONANTS = "bcdfghjklmnpqrstvwxz"


def styled(rng: random.Random, name: str) -> str:
    """Fullwidth, mathematical (bold, italic, script, double-struck, monospace) or circled letters."""
    style = rng.choice(("fullwidth", "bold", "italic", "script", "double", "mono", "circled", "sans"))
    out = []
    for char in name:
        if not char.isascii() or not char.isalpha():
            out.append(char)
            continue
        upper, offset = char.isupper(), ord(char.lower()) - 97
        if style == "fullwidth":
            out.append(chr(ord(char) + 0xFEE0))
        elif style == "circled":
            out.append(chr((0x24B6 if upper else 0x24D0) + offset))
        else:
            base = {"bold": 0x1D400, "italic": 0x1D434, "script": 0x1D4D0, "double": 0x1D538,
                    "mono": 0x1D670, "sans": 0x1D5A0}[style]  # fmt: skip
            code = base + offset + (0 if upper else 26)
            out.append("h" if style == "italic" and char == "h" else chr(code))
    return "".join(out)


def case_separators(rng: random.Random, name: str) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(".-_·*~ ").join(name.replace(" ", ""))
    if kind == 1:
        return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)
    if kind == 2:
        return " ".join(name.upper().replace(" ", ""))
    if kind == 3:
        word = name.replace(" ", "")
        cut = rng.randrange(2, len(word) - 1)
        return word[:cut] + rng.choice("-._/|") + word[cut:]
    if kind == 4:
        return name.upper()
    return rng.choice((". ", "-", "_", "..")).join(name.lower())


def digits_symbols(rng: random.Random, name: str) -> str:
    letters = [i for i, c in enumerate(name) if c.lower() in _LEET]
    chosen = set(rng.sample(letters, k=max(1, min(len(letters), rng.randint(1, 3)))))
    out = []
    for i, char in enumerate(name):
        if i in chosen:
            table = _LEET_ALT if char.lower() in _LEET_ALT and rng.random() < 0.3 else _LEET
            out.append(table[char.lower()])
        else:
            out.append(char)
    return "".join(out)


def unicode_forms(rng: random.Random, name: str) -> str:
    kind = rng.randrange(4)
    if kind == 0:  # look-alikes from Cyrillic and Greek, a few letters
        spots = [i for i, c in enumerate(name) if c in _HOMOGLYPHS]
        chosen = set(rng.sample(spots, k=min(len(spots), rng.randint(1, 3))))
        return "".join(rng.choice(_HOMOGLYPHS[c]) if i in chosen else c for i, c in enumerate(name))
    if kind == 1:
        return styled(rng, name)
    if kind == 2:  # invisible characters inside the name
        word, out = name, []
        for i, char in enumerate(word):
            out.append(char)
            if 0 < i < len(word) - 1 and rng.random() < 0.4:
                out.append(rng.choice(_INVISIBLES))
        return "".join(out)
    return styled(rng, name) if rng.random() < 0.5 else "\u200b".join(name)


def one_edit(rng: random.Random, word: str, kind: int | None = None) -> str:
    kind = rng.randrange(5) if kind is None else kind
    i = rng.randrange(1, len(word) - 1)
    if kind <= 1:  # a swap of two adjacent letters, the most common slip
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 2:
        options = [c for c in _ALPHABET if c != word[i].lower()]
        return word[:i] + rng.choice(options) + word[i + 1 :]
    if kind == 3:
        return word[:i] + rng.choice(_ALPHABET) + word[i:]
    return word[:i] + word[i + 1 :]


def two_edits(rng: random.Random, word: str) -> str:
    edited = one_edit(rng, word)
    for _ in range(10):
        again = one_edit(rng, edited)
        if again.lower() != word.lower():
            return again
    return edited


def split_words(rng: random.Random, word: str) -> str:
    cut = rng.randrange(2, len(word) - 1)
    left, right = word[:cut], word[cut:]
    return f"{left} {right.capitalize() if rng.random() < 0.5 else right}"


GLUE_WORDS = ("fan", "club", "forever", "invades", "returns", "world", "army", "squad", "lover", "daily",
              "vibes", "time", "party", "official", "fever", "nation", "rules", "edit", "tok", "life")  # fmt: skip
GLUE_BEFORE = ("team", "ilove", "go", "the", "my", "planet", "iam", "super", "baby", "mega", "not", "real")


def glued(rng: random.Random, word: str) -> str:
    kind = rng.randrange(5)
    bare = word.replace(" ", "")
    if kind == 0:
        return "#" + bare + rng.choice(GLUE_WORDS).capitalize()
    if kind == 1:
        return "#" + (rng.choice(GLUE_BEFORE) + bare + rng.choice(("", *GLUE_WORDS))).lower()
    if kind == 2:
        return rng.choice(GLUE_BEFORE).capitalize() + bare + rng.choice(GLUE_WORDS).capitalize()
    if kind == 3:
        return "@" + bare.lower() + rng.choice(GLUE_WORDS)
    return (rng.choice(GLUE_BEFORE) + bare.lower()) if rng.random() < 0.5 else bare.lower() + rng.choice(GLUE_WORDS)


def affixed(rng: random.Random, word: str) -> str:
    return rng.choice(
        (
            word + "s",
            word + ("es" if word[-1] in "sxz" else "s"),
            word + "'s",
            word + "’s",
            word + ("ian" if word[-1] not in "aeiouy" else "n"),
            word + "-style",
            word + " style",
            word + "-themed",
            word + "themed",
            word + "-like",
            word + "ians",
        )
    )


def reversed_name(rng: random.Random, name: str) -> str:
    backwards = name.replace(" ", "")[::-1].lower()
    return backwards.capitalize() if rng.random() < 0.6 else backwards


def sound_alike(rng: random.Random, word: str) -> str:
    """Respellings that keep the sound: two or more of SOUND_RULES, in random order."""
    lowered, applied = word.lower(), 0
    rules = list(SOUND_RULES)
    rng.shuffle(rules)
    for old, new in rules:
        if old in lowered and applied < 2:
            lowered = lowered.replace(old, new, 1)
            applied += 1
    if applied == 0:
        lowered = lowered + "h" if lowered[-1] in "aeiou" else lowered + "e"
    return lowered.capitalize()


def transliterated(rng: random.Random, character: dict[str, str]) -> str:
    return character[rng.choice(("kana", "cyrillic", "greek"))]


def described(rng: random.Random, character: dict[str, object]) -> str:
    traits = list(character["descriptors"])  # type: ignore[call-overload]
    chosen = rng.sample(traits, k=min(len(traits), int(character["threshold"]) + rng.randint(0, 1)))  # type: ignore[call-overload]
    opener = rng.choice(
        (
            "a creature with",
            "the one with",
            "a character with",
            "that hero with",
            "a figure sporting",
            "our friend with",
        )
    )
    joined = ", ".join(chosen[:-1]) + " and " + chosen[-1]
    return f"{opener} {joined}"


def single_words(names: list[str]) -> list[str]:
    """The one-word names and aliases: what a trick on one word works on ("Vexmoor", not "Baron")."""
    return [name for name in names if " " not in name]


def trick_name(rng: random.Random, category: str, character: dict[str, object]) -> str:
    names = [str(character["name"]), *character["aliases"]]  # type: ignore[misc]
    name, word = rng.choice(names), rng.choice(single_words(names))
    simple = {
        "case_separators": case_separators,
        "digits_symbols": digits_symbols,
        "unicode_forms": unicode_forms,
        "reversed": reversed_name,
    }
    if category in simple:
        return simple[category](rng, rng.choice((name, word)))
    if category == "one_edit":
        return name.replace(word, one_edit(rng, word)) if word in name else one_edit(rng, word)
    if category == "two_edits":
        long_words = [w for w in single_words(names) if len(w) >= 9]
        if not long_words:
            return ""
        return two_edits(rng, rng.choice(long_words))
    words_of = {
        "split": split_words, "glued": glued, "affixes": affixed, "sound_alike": sound_alike,
    }  # fmt: skip
    if category in words_of:
        return words_of[category](rng, word)
    if category == "transliterated":
        return transliterated(rng, character)  # type: ignore[arg-type]
    if category == "described":
        return described(rng, character)
    return mixture(rng, word, character)


def mixture(rng: random.Random, word: str, character: dict[str, object]) -> str:
    """Two tricks at once: a structural one (or a respelling) then a disguise of the letters."""
    first = rng.choice((one_edit, split_words, glued, affixed, reversed_name, sound_alike))
    second = rng.choice((case_separators, digits_symbols, unicode_forms, one_edit))
    if first is one_edit and second is one_edit:
        second = digits_symbols
    if first is one_edit or first is sound_alike:
        return second(rng, first(rng, word))
    if second is one_edit:
        return first(rng, one_edit(rng, word))
    return first(rng, second(rng, word)) if first is not glued else second(rng, first(rng, word))


CATEGORIES = (
    "case_separators", "digits_symbols", "unicode_forms", "one_edit", "two_edits", "split", "glued",
    "affixes", "reversed", "sound_alike", "transliterated", "described", "mixture",
)  # fmt: skip


UNLIKE = ("one_edit", "two_edits", "sound_alike", "mixture")


def tricked_prompts(rng: random.Random, characters: list[dict[str, object]]) -> list[dict[str, str]]:
    rows = []
    for category in CATEGORIES:
        made = 0
        while made < PER_CATEGORY:
            character = rng.choice(characters)
            written = trick_name(rng, category, character)
            forms = {str(n).lower() for n in [character["name"], *character["aliases"]]}  # type: ignore[list-item]
            if not written or (category in UNLIKE and written.lower() in forms):
                continue  # a respelling that came out as the name itself
            scene = rng.choice(SCENES)
            rows.append({"prompt": scene.format(n=written), "character": str(character["name"]),
                         "category": category, "written": written})  # fmt: skip
            made += 1
    return rows


def everyday_prompts(rng: random.Random) -> list[str]:
    """Handwritten prompts, then prompts composed from varied parts (subject, action, place, style)."""
    prompts = [*EVERYDAY_WRITTEN, *EVERYDAY_RARER]
    subjects, actions, places, styles, extras = EVERYDAY_PARTS
    while len(prompts) < EVERYDAY:
        parts = [rng.choice(subjects), rng.choice(actions), rng.choice(places)]
        if rng.random() < 0.7:
            parts.append(rng.choice(styles))
        if rng.random() < 0.5:
            parts.append(rng.choice(extras))
        prompt = " ".join(parts).replace(" ,", ",")
        prompt = prompt[0].upper() + prompt[1:]
        if prompt not in prompts:
            prompts.append(prompt)
    return prompts


def main() -> int:
    rng = random.Random(SEED)
    catalog = json.loads((CORPUS / "catalog.json").read_text())
    rows = tricked_prompts(rng, catalog["characters"])
    with (CORPUS / "tricked.jsonl").open("w") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    everyday = everyday_prompts(rng)
    (CORPUS / "everyday.txt").write_text("\n".join(everyday) + "\n")
    print(f"{len(rows)} tricked prompts, {len(everyday)} everyday prompts written to {CORPUS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
