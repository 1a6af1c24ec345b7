"""Text PostgreSQL cannot store: NUL characters and lone UTF-16 surrogates.

asyncpg refuses both (0x00 is not allowed in text; a lone surrogate does not encode as UTF-8), so
they are refused at the door as bad input instead of failing deep inside a resolver. A JSON body
is read by orjson, which already refuses lone surrogates; NUL can arrive only as the escape
`\\u0000`, so the full scan runs only for the bodies that contain that escape.
"""

from __future__ import annotations

import re
from typing import Any

BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
NUL_ESCAPE = b"\\u0000"


def has_bad_text(value: Any) -> bool:
    """True when any string in a JSON-like value (keys included) holds NUL or a lone surrogate."""
    if isinstance(value, str):
        return BAD_CHARACTER.search(value) is not None
    if isinstance(value, dict):
        return any(has_bad_text(key) or has_bad_text(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_bad_text(item) for item in value)
    return False


def body_has_bad_text(body: bytes, parsed: Any) -> bool:
    return NUL_ESCAPE in body and has_bad_text(parsed)
