"""The contract's custom scalars: DateTime (ISO-8601 UTC with Z) and BigInt (decimal string)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NewType

import orjson
import strawberry
from strawberry.types.scalar import ScalarDefinition


def serialize_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with Z, microseconds only when there are some: what isoformat() writes, by
    orjson (a page serialises dozens; isoformat costs 3-4x as much)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return orjson.dumps(value, option=orjson.OPT_UTC_Z)[1:-1].decode()


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("DateTime needs a time zone, e.g. 2026-11-25T09:30:00Z")
    return parsed.astimezone(UTC)


def parse_bigint(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("BigInt must be a decimal string")
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise ValueError("BigInt out of the signed 64-bit range")
    return number


BigInt = NewType("BigInt", int)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    BigInt: strawberry.scalar(
        name="BigInt",
        description="A signed 64-bit integer serialised as a decimal string.",
        serialize=str,
        parse_value=parse_bigint,
    ),
    datetime: strawberry.scalar(
        name="DateTime",
        description="An ISO-8601 date-time in UTC, e.g. 2026-11-25T09:30:00Z.",
        serialize=serialize_datetime,
        parse_value=parse_datetime,
    ),
}
