"""Device tokens: issued and checked without I/O; anything but an issued token names no device."""

from __future__ import annotations

from uuid import uuid4

from domain.devices import device_of, issue_token


def test_an_issued_token_names_its_device_and_nothing_else_does() -> None:
    device = uuid4()
    token = issue_token("secret", device)
    assert device_of("secret", token) == device
    assert device_of("other secret", token) is None
    hex_id, signature = token.split(".")
    assert device_of("secret", f"{uuid4().hex}.{signature}") is None
    assert device_of("secret", f"{hex_id}.{signature[:-1]}0") is None or signature.endswith("0")
    for junk in ("", "device-aaaa-0001", token.upper(), token + "0", hex_id):
        assert device_of("secret", junk) is None
