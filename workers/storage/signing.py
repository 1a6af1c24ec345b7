"""Expiring signed URLs for media that is not public (RULES §11): drafts, taken-down videos,
statements and data exports.

Directory storage signs ``/media/<key>?expires=<unix seconds>&signature=<hex>`` with
HMAC-SHA256 under ``URL_SIGNING_SECRET``; the ``/media`` route serves a signed request only
while the signature matches the key and the expiry has not passed (S3 presigns its own).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class UrlSigner:
    secret: str

    def signature(self, key: str, expires: int) -> str:
        message = f"{key}\n{expires}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()

    def query(self, key: str, ttl_seconds: int, *, now: float | None = None) -> str:
        """The query string that grants `key` for `ttl_seconds` from now."""
        expires = int(time.time() if now is None else now) + ttl_seconds
        return f"expires={expires}&signature={self.signature(key, expires)}"

    def verify(self, key: str, expires: str, signature: str, *, now: float | None = None) -> bool:
        """True when `signature` grants `key` and `expires` (unix seconds) has not passed."""
        if not expires.isdigit() or int(expires) < (time.time() if now is None else now):
            return False
        return hmac.compare_digest(self.signature(key, int(expires)), signature)
