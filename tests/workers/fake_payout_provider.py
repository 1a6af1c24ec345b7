"""A local fake of the payout provider's transfers API (see workers/payout_provider.py).

Behaviour is scripted by the destination:

- ``acct_refuse``: create is answered 400 (a refusal for good);
- ``acct_fail``: the transfer is created ``failed`` ("account closed");
- ``acct_500``: the first create is answered 500 before anything is created;
- ``acct_slow``: the first create makes the transfer, then answers too late for the client
  (the client times out; the provider has answered, after a fashion, twice);
- ``acct_pending``: the transfer is ``pending`` when created and ``paid`` on the first poll.

Otherwise a transfer is ``paid`` at once. Creates with the same Idempotency-Key return the same
transfer, as Stripe's do.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SLOW_SECONDS = 1.5


@dataclass
class FakeTransfer:
    id: str
    amount_micros: int
    destination: str
    status: str
    failure_message: str | None = None


@dataclass
class FakePayouts:
    token: str
    transfers: dict[str, FakeTransfer] = field(default_factory=dict)  # by idempotency key
    creates: list[str] = field(default_factory=list)  # the idempotency key of every create call
    first_tries: set[str] = field(default_factory=set)

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/transfers", self.create, methods=["POST"]),
                Route("/v1/transfers/{id}", self.get, methods=["GET"]),
            ]
        )

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    async def create(self, request: Request) -> JSONResponse:
        if not self._authorized(request):
            return JSONResponse({"error": {"message": "bad token"}}, status_code=401)
        key = request.headers["idempotency-key"]
        body: dict[str, Any] = await request.json()
        self.creates.append(key)
        destination = body["destination"]
        first = key not in self.first_tries
        self.first_tries.add(key)
        if destination == "acct_refuse":
            return JSONResponse({"error": {"message": "destination not allowed"}}, status_code=400)
        if destination == "acct_500" and first:
            return JSONResponse({"error": {"message": "try again"}}, status_code=500)
        if key not in self.transfers:
            status = {"acct_fail": "failed", "acct_pending": "pending"}.get(destination, "paid")
            failure = "account closed" if status == "failed" else None
            self.transfers[key] = FakeTransfer(
                f"tr_{uuid.uuid4().hex[:12]}", body["amount_micros"], destination, status, failure
            )
        if destination == "acct_slow" and first:
            await asyncio.sleep(SLOW_SECONDS)  # created, but the client has given up by now
        return JSONResponse(self._json(self.transfers[key]))

    async def get(self, request: Request) -> JSONResponse:
        found = [t for t in self.transfers.values() if t.id == request.path_params["id"]]
        if not found:
            return JSONResponse({"error": {"message": "no such transfer"}}, status_code=404)
        transfer = found[0]
        if transfer.status == "pending":
            transfer.status = "paid"  # paid by the first poll
        return JSONResponse(self._json(transfer))

    @staticmethod
    def _json(transfer: FakeTransfer) -> dict[str, Any]:
        return {"id": transfer.id, "status": transfer.status, "failure_message": transfer.failure_message}
