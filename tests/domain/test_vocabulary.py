from domain.vocabulary import is_everyday_word


def test_everyday_words_come_from_the_frequency_list() -> None:
    assert all(is_everyday_word(word) for word in ("sunset", "bolt", "joy", "cash", "the"))
    assert not any(is_everyday_word(word) for word in ("zorblax", "kraken", "qwxz"))
