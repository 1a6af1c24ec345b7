import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import MICROS_PER_USD, Money, format_usd, parse_usd


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("0", 0),
        ("1", MICROS_PER_USD),
        ("0.25", 250_000),
        ("0.02", 20_000),
        ("1.5", 1_500_000),
        ("0.000001", 1),
        ("100", 100_000_000),
        ("100.000001", 100_000_001),
        ("007.50", 7_500_000),
        ("0.000000", 0),
    ],
)
def test_parse_usd_accepts_plain_decimals(text: str, micros: int) -> None:
    assert parse_usd(text) == micros


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1e3",
        "1E3",
        "-1",
        "+1",
        "1.0000001",
        " 1",
        "1 ",
        "1\n",
        "abc",
        ".5",
        "1.",
        "1,5",
        "1_000",
        "0x10",
        "NaN",
        "Infinity",
        "١",  # an Arabic-Indic digit: int() would take it, a plain decimal is ASCII
        "$1",
    ],
)
def test_parse_usd_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        parse_usd(text)


@pytest.mark.parametrize(
    ("micros", "formatted"),
    [
        (1_250_000, "$1.25"),
        (20_000, "$0.02"),
        (1, "$0.000001"),
        (-500_000, "-$0.50"),
        (0, "$0.00"),
        (123_456_789, "$123.456789"),
        (100_000_000, "$100.00"),
        (1_234_500, "$1.2345"),
        (-1, "-$0.000001"),
    ],
)
def test_formatted(micros: int, formatted: str) -> None:
    assert Money(micros).formatted == formatted
    assert format_usd(micros) == formatted


@given(st.integers(min_value=0, max_value=10**15))
def test_format_and_parse_round_trip(micros: int) -> None:
    assert parse_usd(format_usd(micros).removeprefix("$")) == micros


def test_arithmetic_and_order() -> None:
    assert Money(3) + Money(4) == Money(7)
    assert Money(3) - Money(4) == Money(-1)
    assert -Money(5) == Money(-5)
    assert Money(1) < Money(2)
    assert Money.usd("0.25") == Money(250_000)


def test_currencies_do_not_mix() -> None:
    with pytest.raises(ValueError):
        Money(1) + Money(1, "EUR")
    with pytest.raises(ValueError):
        Money(1) - Money(1, "EUR")
    assert Money(1_500_000, "EUR").formatted == "1.50 EUR"
