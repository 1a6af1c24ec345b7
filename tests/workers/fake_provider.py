"""A local fake of the hosted text-to-video provider's predictions API (see workers/generators/http.py).

Behaviour is scripted by markers in the prompt:

- ``[429]``: the first two create calls are answered 429 (``Retry-After: 0``);
- ``[500]``: the first two polls are answered 500;
- ``[refuse]``: the prediction fails with ``error_code: content_policy``;
- ``[fail]``: the prediction fails with an error that is not a refusal;
- ``[slow]``: the prediction never finishes;
- ``[cdn]``: the output is served from another origin (``localhost`` instead of ``127.0.0.1``).

Otherwise a prediction is ``starting``, then ``processing`` on the first poll and
``succeeded`` on the second, its output a real MP4.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from workers.media import ffmpeg_exe

FAILURES = 2
POLLS_UNTIL_DONE = 2


def render_sample_mp4(path: Path) -> bytes:
    """A small real H.264 MP4, muxed with the moov atom last (as many providers send it)."""
    source = ["-f", "lavfi", "-i", "testsrc2=s=320x240:r=12:d=1"]
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", str(path)]
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *source, *encode], check=True)
    return path.read_bytes()


@dataclass
class FakePrediction:
    id: str
    prompt: str
    status: str = "starting"
    polls: int = 0
    failures_left: int = 0


@dataclass
class FakeProvider:
    video: bytes
    token: str
    # (method, path, Authorization header) of every request, in order.
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    bodies: list[Any] = field(default_factory=list)
    predictions: dict[str, FakePrediction] = field(default_factory=dict)
    create_failures: dict[str, int] = field(default_factory=dict)

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/predictions", self.create, methods=["POST"]),
                Route("/v1/predictions/{id}", self.get, methods=["GET"]),
                Route("/v1/predictions/{id}/cancel", self.cancel, methods=["POST"]),
                Route("/files/{id}.mp4", self.file, methods=["GET"]),
            ]
        )

    def _record(self, request: Request) -> bool:
        authorization = request.headers.get("authorization")
        self.requests.append((request.method, request.url.path, authorization))
        return authorization == f"Bearer {self.token}"

    async def create(self, request: Request) -> Response:
        if not self._record(request):
            return JSONResponse({"detail": "Invalid token"}, status_code=401)
        body = await request.json()
        self.bodies.append(body)
        prompt = body["input"]["prompt"]
        if "[429]" in prompt and self.create_failures.get(prompt, 0) < FAILURES:
            self.create_failures[prompt] = self.create_failures.get(prompt, 0) + 1
            return JSONResponse({"detail": "Request was throttled"}, status_code=429, headers={"Retry-After": "0"})
        prediction = FakePrediction(id=uuid.uuid4().hex, prompt=prompt)
        prediction.failures_left = FAILURES if "[500]" in prompt else 0
        self.predictions[prediction.id] = prediction
        return JSONResponse(self._json(prediction, request), status_code=201)

    async def get(self, request: Request) -> Response:
        if not self._record(request):
            return JSONResponse({"detail": "Invalid token"}, status_code=401)
        prediction = self.predictions.get(request.path_params["id"])
        if prediction is None:
            return JSONResponse({"detail": "Not found"}, status_code=404)
        if prediction.failures_left:
            prediction.failures_left -= 1
            return Response("Internal Server Error", status_code=500)
        prediction.polls += 1
        if prediction.status in ("starting", "processing"):
            prediction.status = self._advance(prediction)
        return JSONResponse(self._json(prediction, request))

    async def cancel(self, request: Request) -> Response:
        self._record(request)
        prediction = self.predictions[request.path_params["id"]]
        prediction.status = "canceled"
        return JSONResponse(self._json(prediction, request))

    async def file(self, request: Request) -> Response:
        self._record(request)
        return Response(self.video, media_type="video/mp4")

    def _advance(self, prediction: FakePrediction) -> str:
        if "[slow]" in prediction.prompt or prediction.polls < POLLS_UNTIL_DONE:
            return "processing"
        if "[refuse]" in prediction.prompt or "[fail]" in prediction.prompt:
            return "failed"
        return "succeeded"

    def _json(self, prediction: FakePrediction, request: Request) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": prediction.id,
            "model": "fake/text-to-video",
            "status": prediction.status,
        }
        data["output"] = data["error"] = None
        if prediction.status == "succeeded":
            base = str(request.base_url)
            if "[cdn]" in prediction.prompt:
                base = base.replace("127.0.0.1", "localhost")
            data["output"] = f"{base}files/{prediction.id}.mp4"
        elif prediction.status == "failed" and "[refuse]" in prediction.prompt:
            data["error"] = "The prompt was refused under our content policy."
            data["error_code"] = "content_policy"
        elif prediction.status == "failed":
            data["error"] = "CUDA out of memory"
        return data


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free 127.0.0.1 port in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="none", http="h11", loop="asyncio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake provider did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
