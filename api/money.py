"""The Money type: exact integer micros, shown as a decimal string and a human form."""

from __future__ import annotations

import strawberry

from api.scalars import BigInt
from domain.money import format_usd


@strawberry.type(name="Money")
class MoneyType:
    micros: BigInt = strawberry.field(description="Integer micro-units of the currency (1 USD = 1000000), as a string.")
    currency: str = strawberry.field(description="ISO-4217 code; USD for now.")

    @strawberry.field(description='Human form, e.g. "$1.25".')
    def formatted(self) -> str:  # when asked for: pages carry many amounts and show few of them formatted
        return format_usd(self.micros)

    @classmethod
    def usd(cls, micros: int) -> MoneyType:
        return cls(micros=BigInt(micros), currency="USD")
