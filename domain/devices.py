"""Device tokens (RULES §11): a signed-out viewer is a device the server registered, not any string
a client makes up. The token is the device's id and an HMAC of it under DEVICE_TOKEN_SECRET, so it
is checked without a database read and cannot be minted by a client (see the README's threat model).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from uuid import UUID

_TOKEN = re.compile(r"([0-9a-f]{32})\.([0-9a-f]{32})")


def _signature(secret: str, device_id: UUID) -> str:
    digest = hmac.new(secret.encode(), b"device:" + device_id.bytes, hashlib.sha256).hexdigest()
    return digest[:32]  # 128 bits: forging one is as hard as guessing a random UUID


def issue_token(secret: str, device_id: UUID) -> str:
    """The X-Device-Id value of a registered device: 65 characters of [0-9a-f.]."""
    return f"{device_id.hex}.{_signature(secret, device_id)}"


def device_of(secret: str, token: str) -> UUID | None:
    """The device a token names, or None when it is not one this server issued (forged or malformed)."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    device_id = UUID(hex=match[1])
    return device_id if hmac.compare_digest(_signature(secret, device_id), match[2]) else None
