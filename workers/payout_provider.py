"""The payout provider adapter (PAYOUT_PROVIDER=http): an HTTP API shaped like Stripe Connect transfers.

    POST {url}/v1/transfers   Idempotency-Key: <payout id>
         {"amount_micros", "currency", "destination", "metadata": {"payout_id"}}
    GET  {url}/v1/transfers/{id}
    → {"id", "status": "pending" | "paid" | "failed", "failure_message"}

The idempotency key is the payout's id, so however often the job retries (a timeout after the
provider created the transfer, a worker killed mid-call, the reconciler re-enqueueing), the provider
makes one transfer. A timeout, a connection error, a 429 or a 5xx is transient (the job retries);
any other 4xx is a refusal (the payout FAILS and the money returns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx

from settings import Settings

STATUSES = frozenset({"pending", "paid", "failed"})


class TransientPayoutError(Exception):
    """Try again later: nothing is known to have failed."""


class PayoutRefused(Exception):
    """The provider refused the transfer for good; the message says why."""


@dataclass(frozen=True)
class Transfer:
    id: str
    status: str  # pending, paid or failed
    failure_message: str | None = None


class HttpPayoutProvider:
    def __init__(self, url: str, token: str, timeout_seconds: float) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = timeout_seconds

    async def create_transfer(self, *, payout_id: UUID, amount_micros: int, destination: str) -> Transfer:
        body = {
            "amount_micros": amount_micros,
            "currency": "USD",
            "destination": destination,
            "metadata": {"payout_id": str(payout_id)},
        }
        headers = self.headers | {"Idempotency-Key": str(payout_id)}
        return await self._call("POST", "/v1/transfers", json=body, headers=headers)

    async def get_transfer(self, transfer_id: str) -> Transfer:
        return await self._call("GET", f"/v1/transfers/{transfer_id}", headers=self.headers)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Transfer:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.request(method, self.url + path, **kwargs)
        except httpx.HTTPError as exc:  # timeouts and connection errors: the transfer may exist
            raise TransientPayoutError(f"{method} {path}: {exc!r}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientPayoutError(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PayoutRefused(_message(response) or f"HTTP {response.status_code}")
        return _transfer(response)


def _message(response: httpx.Response) -> str | None:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return None
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) else None


def _transfer(response: httpx.Response) -> Transfer:
    try:
        data = response.json()
        transfer = Transfer(str(data["id"]), str(data["status"]), data.get("failure_message"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TransientPayoutError(f"unreadable answer: {response.text[:200]!r}") from exc
    if transfer.status not in STATUSES:
        raise TransientPayoutError(f"unknown transfer status {transfer.status!r}")
    return transfer


def build_payout_provider(settings: Settings) -> HttpPayoutProvider:
    if settings.payout_provider != "http":
        raise ValueError(f"unknown PAYOUT_PROVIDER {settings.payout_provider!r} (expected http)")
    return HttpPayoutProvider(
        settings.payout_provider_url, settings.payout_provider_token, settings.payout_provider_timeout_seconds
    )
