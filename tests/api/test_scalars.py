"""DateTime's serialisation: ISO 8601 in UTC with Z, whatever the value's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.scalars import parse_datetime, serialize_datetime

ZONES = [UTC, timezone(timedelta(0)), timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 4, 10, 45, 46, 343977),
        datetime(2026, 12, 4, 10, 45, 46),  # no microseconds: none written
        datetime(2026, 1, 1, 0, 0, 0, 1),
        datetime(1999, 12, 31, 23, 59, 59, 999999),
        datetime(9999, 12, 31, 10, 0, 0, 500000),
        datetime(1, 1, 2, 0, 0),
    ],
)
def test_datetimes_are_written_as_isoformat_in_utc_with_z(moment: datetime, zone: timezone) -> None:
    value = moment.replace(tzinfo=zone)
    written = serialize_datetime(value)
    assert written == value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert parse_datetime(written) == value
