"""The Money type: exact integer micros, shown as a decimal string and a human form."""

from __future__ import annotations

import strawberry

from api.scalars import BigInt
from domain.money import format_usd


@strawberry.type(name="Money")
class MoneyType:
    micros: BigInt = strawberry.field(description="Integer micro-units of the currency (1 USD = 1000000), as a string.")
    currency: str = strawberry.field(description="ISO-4217 code; USD for now.")
    formatted: str = strawberry.field(description='Human form, e.g. "$1.25".')

    @classmethod
    def usd(cls, micros: int) -> MoneyType:
        return cls(micros=BigInt(micros), currency="USD", formatted=format_usd(micros))
