"""A hosted text-to-video provider behind a Replicate-style asynchronous predictions API.

``POST {base}/v1/predictions`` with ``{"input": {"prompt", "duration", "aspect_ratio"}}``
creates a prediction; ``GET {base}/v1/predictions/{id}`` reports its ``status``
(``starting``, ``processing``, ``succeeded``, ``failed``, ``canceled``), ``output`` (the URL of
the MP4) and ``error``. 429, 5xx and network errors are retried here with exponential backoff
(honouring ``Retry-After``); when the tries run out, or the prediction is not done within
``timeout_seconds``, the render raises TransientGeneratorError for the job to retry later.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from workers.generators.base import (
    ASPECT_RATIOS,
    GenerationRefused,
    GeneratorError,
    RenderRequest,
    RenderResult,
    TransientGeneratorError,
    in_scratch_directory,
)
from workers.media import MediaError, make_thumbnail, write_metadata

T = TypeVar("T")
RUNNING = frozenset({"starting", "processing"})
REFUSAL_CODES = frozenset({"content_policy", "content_refused", "nsfw", "safety", "E005"})
# Replicate: "The input or output was flagged as sensitive. ... (E005)".
REFUSAL_TEXT = re.compile(r"content.policy|flagged as sensitive|\bnsfw\b|\(E005\)", re.IGNORECASE)
MAX_RETRY_AFTER_SECONDS = 30.0


@dataclass(frozen=True)
class Prediction:
    id: str
    status: str
    output: str | None
    error: str | None
    error_code: str | None
    model: str | None

    @classmethod
    def from_json(cls, data: Any) -> Prediction:
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise TransientGeneratorError(f"provider sent no prediction: {str(data)[:200]}")
        output = data.get("output")
        if isinstance(output, list):  # many models return a list of files
            output = output[0] if output else None
        return cls(
            id=data["id"],
            status=str(data.get("status", "")),
            output=output if isinstance(output, str) else None,
            error=_str_or_none(data.get("error")),
            error_code=_str_or_none(data.get("error_code")),
            model=_str_or_none(data.get("model")),
        )

    @property
    def refused(self) -> bool:
        return self.error_code in REFUSAL_CODES or bool(self.error and REFUSAL_TEXT.search(self.error))


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HttpGenerator:
    name = "http"

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        poll_seconds: float,
        timeout_seconds: float,
        max_retries: int = 4,
        retry_base_seconds: float = 0.5,
        max_download_bytes: int = 512 * 1024 * 1024,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.retry_base_seconds = retry_base_seconds
        self.max_download_bytes = max_download_bytes

    def render(self, request: RenderRequest) -> AbstractAsyncContextManager[RenderResult]:
        return in_scratch_directory(self.render_into, request)

    async def render_into(self, request: RenderRequest, workdir: Path) -> RenderResult:
        raw, video, thumbnail = workdir / "provider.mp4", workdir / "video.mp4", workdir / "thumbnail.jpg"
        # A client per render: renders take minutes, and no client outlives its event loop.
        async with httpx.AsyncClient(base_url=self.base_url, timeout=httpx.Timeout(30.0)) as client:
            prediction = await self._create(client, request)
            prediction = await self._wait(client, prediction)
            if prediction.output is None:
                raise TransientGeneratorError(f"prediction {prediction.id} succeeded without an output")
            await self._retrying(f"download of {prediction.id}", lambda: self._download(client, prediction, raw))
        try:
            await write_metadata(raw, video, request.metadata)
            await make_thumbnail(video, thumbnail)
        except MediaError as exc:
            raise TransientGeneratorError(f"unreadable output of prediction {prediction.id}: {exc}") from exc
        return RenderResult(video_path=video, thumbnail_path=thumbnail, model=prediction.model or "http")

    async def _create(self, client: httpx.AsyncClient, request: RenderRequest) -> Prediction:
        body = {
            "input": {
                "prompt": request.prompt,
                "duration": request.duration_seconds,
                "aspect_ratio": ASPECT_RATIOS[request.aspect],
            }
        }
        return await self._call(client, "POST", "/v1/predictions", json=body)

    async def _wait(self, client: httpx.AsyncClient, prediction: Prediction) -> Prediction:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                while prediction.status in RUNNING:
                    await asyncio.sleep(self.poll_seconds)
                    prediction = await self._call(client, "GET", f"/v1/predictions/{prediction.id}")
        except TimeoutError:
            await self._cancel(client, prediction.id)
            raise TransientGeneratorError(
                f"prediction {prediction.id} not done after {self.timeout_seconds:g} s"
            ) from None
        if prediction.status == "succeeded":
            return prediction
        if prediction.status == "failed" and prediction.refused:
            raise GenerationRefused(prediction.error or prediction.error_code or "refused by the provider")
        raise TransientGeneratorError(
            f"prediction {prediction.id} {prediction.status}: {prediction.error or 'no error given'}"
        )

    async def _cancel(self, client: httpx.AsyncClient, prediction_id: str) -> None:
        """Best effort: stop paying for a prediction we no longer wait for."""
        with contextlib.suppress(httpx.HTTPError):
            await client.post(f"/v1/predictions/{prediction_id}/cancel", headers=self._auth(), timeout=5.0)

    async def _call(self, client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Prediction:
        async def attempt() -> Prediction:
            try:
                response = await client.request(method, path, headers=self._auth(), **kwargs)
            except httpx.TransportError as exc:
                raise _Retryable(repr(exc)) from exc
            _check(response, f"{method} {path}", detail=response.text[:300])
            try:
                return Prediction.from_json(response.json())
            except ValueError as exc:
                raise TransientGeneratorError(f"{method} {path}: provider sent no JSON") from exc

        return await self._retrying(f"{method} {path}", attempt)

    async def _download(self, client: httpx.AsyncClient, prediction: Prediction, target: Path) -> None:
        url = client.base_url.join(prediction.output or "")
        # The token goes to the provider's own API only, never to the CDN serving the output.
        headers = self._auth() if (url.scheme, url.netloc) == (client.base_url.scheme, client.base_url.netloc) else {}
        try:
            async with client.stream("GET", url, headers=headers) as response:
                _check(response, f"download of {prediction.id}")
                await self._save(response, target)
        except httpx.TransportError as exc:
            raise _Retryable(repr(exc)) from exc

    async def _save(self, response: httpx.Response, target: Path) -> None:
        size = 0
        file = await asyncio.to_thread(target.open, "wb")
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_download_bytes:
                    raise GeneratorError(f"output larger than {self.max_download_bytes} bytes")
                await asyncio.to_thread(file.write, chunk)
        finally:
            await asyncio.to_thread(file.close)

    async def _retrying(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        for tries in range(1, self.max_retries + 2):
            try:
                return await attempt()
            except _Retryable as exc:
                if tries > self.max_retries:
                    raise TransientGeneratorError(f"{what}: {exc} ({tries} tries)") from exc
                await asyncio.sleep(self._delay(tries, exc.retry_after))
        raise AssertionError("unreachable")

    def _delay(self, tries: int, retry_after: float | None) -> float:
        backoff = self.retry_base_seconds * 2.0 ** (tries - 1) * random.uniform(0.5, 1.0)
        return min(max(backoff, retry_after or 0.0), MAX_RETRY_AFTER_SECONDS)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}


def _check(response: httpx.Response, what: str, *, detail: str = "") -> None:
    """Raise _Retryable for 429 and 5xx, GeneratorError for any other error status."""
    answer = f"{what}: provider answered {response.status_code} {detail}".rstrip()
    if response.status_code == 429 or response.status_code >= 500:
        raise _Retryable(answer, _retry_after(response))
    if response.is_error:
        raise GeneratorError(answer)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None  # absent, or an HTTP date: fall back to our own backoff
