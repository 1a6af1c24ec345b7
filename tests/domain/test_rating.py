"""Prompt rating (RULES.md §3): the highest-rated lexicon term wins, G when there is none."""

from __future__ import annotations

import pytest

from domain.rating import LexiconError, LexiconRater, Rater, Rating, load_lexicon, parse_lexicon, rate_prompt

RATER = LexiconRater()


@pytest.mark.parametrize(
    ("prompt", "rating"),
    [
        ("A corgi surfing at sunset, cinematic close up shot", Rating.G),
        ("Pikachu and Mario having a picnic", Rating.G),
        ("Two knights in a sword fight", Rating.PG),
        ("A spooky haunted house at night", Rating.PG),
        ("Elsa gives Anna a kiss on the cheek", Rating.PG),
        ("A cowboy draws his pistol", Rating.PG13),
        ("Blood on the snow after the duel", Rating.PG13),
        ("Friends sharing a beer", Rating.PG13),
        ("What the shit", Rating.PG13),
        ("A gory zombie massacre", Rating.R),
        ("Naked on the beach", Rating.R),
        ("Snorting cocaine off the table", Rating.R),
        ("Fuck this", Rating.R),
    ],
)
def test_each_rating_level(prompt: str, rating: Rating) -> None:
    assert RATER.rate(prompt) is rating


def test_the_highest_rating_wins() -> None:
    assert RATER.rate("a kiss, a fight, then blood everywhere") is Rating.PG13
    assert RATER.rate("a kiss, a fight, blood, and finally a decapitation") is Rating.R


def test_ratings_are_ordered() -> None:
    assert Rating.G < Rating.PG < Rating.PG13 < Rating.R
    assert [r.name for r in Rating] == ["G", "PG", "PG13", "R"]


@pytest.mark.parametrize(
    "prompt",
    [
        "A skilled painter at work",  # kill
        "Sussex countryside in spring",  # sex
        "A class of bass players",  # ass
        "Cockpit view of a plane",  # cock
        "A gorilla in the park",  # gore
        "Hello from the shell beach",  # hell
        "Baked bread and a flood of light",  # one edit from naked, blood: no typo tolerance here
        "Photo shoot of a killer whale",
        "Grapes on the vine",  # rape
    ],
)
def test_terms_respect_word_boundaries(prompt: str) -> None:
    assert RATER.rate(prompt) is Rating.G


@pytest.mark.parametrize(
    ("prompt", "rating"),
    [
        ("a G0RE fest", Rating.R),
        ("n.u.d.e beach", Rating.R),
        ("f u c k", Rating.R),
        ("ѕех scene", Rating.R),  # Cyrillic look-alikes
        ("ＮＡＫＥＤ", Rating.R),
        ("K I L L them all", Rating.PG13),
        ("bl00dy knuckles", Rating.PG13),
        ("a m@ssacre", Rating.R),
        ("Décapitation", Rating.R),
        ("sword-fight", Rating.PG),
    ],
)
def test_evasion_is_normalised_away(prompt: str, rating: Rating) -> None:
    assert RATER.rate(prompt) is rating


def test_bundled_lexicon() -> None:
    terms = load_lexicon()
    assert len(terms) >= 200
    assert {t.rating for t in terms} == {Rating.PG, Rating.PG13, Rating.R}
    assert len({t.term for t in terms}) == len(terms)
    assert all(t.category for t in terms)
    assert len(RATER) == len(terms)


def test_custom_entries() -> None:
    rater = LexiconRater([("spoiler", Rating.PG), ("plot twist", Rating.PG13)])
    assert rater.rate("no spoilers here") is Rating.G
    assert rater.rate("spoiler: a plot-twist") is Rating.PG13
    assert rater.rate("gore") is Rating.G  # only the given entries count


def test_rate_prompt_uses_the_bundled_lexicon() -> None:
    assert rate_prompt("a decapitation") is Rating.R
    assert rate_prompt("a sunny meadow") is Rating.G


def test_lexicon_rater_is_a_rater() -> None:
    rater: Rater = RATER
    assert rater.rate("") is Rating.G


@pytest.mark.parametrize(
    "text",
    [
        "word,rating,category\nfight,PG,violence\n",
        "term,rating,category\nfight,G,violence\n",
        "term,rating,category\nfight,XXX,violence\n",
        "term,rating,category\n,PG,violence\n",
        "term,rating,category\nfight,PG,\n",
    ],
)
def test_malformed_lexicons_are_refused(text: str) -> None:
    with pytest.raises(LexiconError):
        parse_lexicon(text)
