"""Search queries: free words and #hashtags (lowercase, exact, each once)."""

from __future__ import annotations

from domain.search import parse_query


def test_hashtags_are_taken_out_of_the_words() -> None:
    query = parse_query("Dancing #Cats on a #beach, #cats again # alone")
    assert query.words == "Dancing on a , again alone"
    assert query.hashtags == ("#cats", "#beach")
    assert query.hashtag_query() == "'#cats' & '#beach'"


def test_an_empty_query() -> None:
    assert parse_query("  # ").empty
    assert not parse_query("cats").empty and parse_query("cats").hashtag_query() == ""
