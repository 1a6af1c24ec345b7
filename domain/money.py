"""Money as integer micro-units: no floats anywhere near an amount."""

from __future__ import annotations

import re
from dataclasses import dataclass

MICROS_PER_USD = 1_000_000
_DECIMALS = 6
_MIN_DECIMALS = 2

# ASCII digits only (`\d` would also accept other scripts' digits); digits on both sides of the point.
_PLAIN_DECIMAL = re.compile(r"([0-9]+)(?:\.([0-9]{1,6}))?")


def parse_usd(text: str) -> int:
    """Parse a plain non-negative decimal USD amount ("0.25", "3", "0.000001") into micros.

    Raises ValueError for anything else: empty, signs, exponents, spaces, ".5", "1.", more than 6 decimals.
    """
    match = _PLAIN_DECIMAL.fullmatch(text)
    if match is None:
        raise ValueError(f"not a plain decimal amount with at most {_DECIMALS} decimals: {text!r}")
    whole, fraction = match.group(1), match.group(2) or ""
    return int(whole) * MICROS_PER_USD + int(fraction.ljust(_DECIMALS, "0"))


def format_usd(micros: int) -> str:
    """Format as "$1.25", "-$0.50", "$0.02", "$0.000001": two decimals, more only when needed."""
    sign = "-" if micros < 0 else ""
    whole, fraction = divmod(abs(micros), MICROS_PER_USD)
    digits = f"{fraction:06d}".rstrip("0").ljust(_MIN_DECIMALS, "0")
    return f"{sign}${whole}.{digits}"


@dataclass(frozen=True, order=True)
class Money:
    micros: int
    currency: str = "USD"

    @classmethod
    def usd(cls, text: str) -> Money:
        return cls(parse_usd(text))

    def __add__(self, other: Money) -> Money:
        return Money(self.micros + self._same_currency(other).micros, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.micros - self._same_currency(other).micros, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.micros, self.currency)

    @property
    def formatted(self) -> str:
        if self.currency == "USD":
            return format_usd(self.micros)
        return f"{format_usd(self.micros).replace('$', '')} {self.currency}"

    def _same_currency(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")
        return other
