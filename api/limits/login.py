"""Log-in back-off: per account and per client IP, exponential after repeated failures.

The first LOG_IN_FREE_FAILURES wrong passwords for an account (LOG_IN_FREE_FAILURES_PER_IP from
one IP, across accounts) cost nothing; each further one locks that account (or IP) for
LOG_IN_BACKOFF_BASE_SECONDS, doubled at each failure, at most LOG_IN_BACKOFF_MAX_SECONDS. While
locked every attempt, the right password included, gets the same "wrong credentials" user error,
so a guesser learns nothing from the answer. A success clears the account's record (not the
IP's: one account of one's own must not reset the guessing budget of an IP).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.limits.buckets import log_in_attempt
from api.limits.extension import client_key

if TYPE_CHECKING:
    from api.context import Context


class LogInGuard:
    def __init__(self, context: Context, handle_or_email: str) -> None:
        settings = context.services.settings
        self.redis = context.services.redis
        account = handle_or_email.strip().lstrip("@").casefold()[:320]
        self.keys = (f"fanreel:login:account:{account}", f"fanreel:login:ip:{client_key(context.request)}")
        self.free = (settings.log_in_free_failures, settings.log_in_free_failures_per_ip)
        self.backoff = (settings.log_in_backoff_base_seconds, settings.log_in_backoff_max_seconds)
        self.metered = context.request is not None  # the seeder logs in as nobody's client

    async def _attempt(self, action: str) -> float:
        if not self.metered:
            return 0.0
        return await log_in_attempt(self.redis, action, self.keys, self.free, *self.backoff)

    async def locked(self) -> bool:
        return await self._attempt("check") > 0

    async def failed(self) -> None:
        await self._attempt("fail")

    async def succeeded(self) -> None:
        await self._attempt("succeed")
