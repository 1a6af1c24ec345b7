"""Benchmark-only generator: real but tiny files, instantly.

The first render of each aspect encodes a one-frame MP4 and its thumbnail into a directory of this
generator's own; every render returns those files (storage copies them). Nothing of the request is
drawn or embedded, so never configure it in production.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from workers.generators.base import SIZES, Aspect, RenderRequest, RenderResult
from workers.media import make_thumbnail, probe, run_ffmpeg

MODEL = "fanreel-noop"


class NoopGenerator:
    name = "noop"

    def __init__(self) -> None:
        self._results: dict[Aspect, RenderResult] = {}
        self._lock = asyncio.Lock()
        self._directory = Path(tempfile.mkdtemp(prefix="fanreel-noop-"))
        weakref.finalize(self, shutil.rmtree, self._directory, ignore_errors=True)  # removed with the generator

    @asynccontextmanager
    async def render(self, request: RenderRequest) -> AsyncIterator[RenderResult]:
        if request.aspect not in self._results:
            async with self._lock:
                if request.aspect not in self._results:
                    self._results[request.aspect] = await _encode(request.aspect, self._directory)
        yield self._results[request.aspect]


async def _encode(aspect: Aspect, directory: Path) -> RenderResult:
    width, height = SIZES[aspect]
    video, thumbnail = directory / f"{aspect.value}.mp4", directory / f"{aspect.value}.jpg"
    source = f"color=c=black:s={width}x{height}:r=1:d=1"
    await run_ffmpeg(["-f", "lavfi", "-i", source, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", video])
    await make_thumbnail(video, thumbnail, at_seconds=0.0)
    info = await probe(video)  # measured once, from the file every render returns
    return RenderResult(video_path=video, thumbnail_path=thumbnail, model=MODEL, info=info)
