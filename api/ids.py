"""Opaque Relay global IDs: base64url of "<TypeName>:<uuid>", no padding."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID


def to_global_id(type_name: str, raw_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, UUID] | None:
    """The (type name, uuid) an ID stands for, or None when it is not one of ours."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode().partition(":")
        return type_name, UUID(raw)
    except (ValueError, UnicodeError, binascii.Error):
        return None


def decode_id(global_id: str, expected_type: str) -> UUID | None:
    """The uuid of a global ID of the expected type, else None."""
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] != expected_type:
        return None
    return decoded[1]
