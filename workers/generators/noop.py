"""Benchmark-only generator: real but tiny files, instantly.

The first render of each aspect encodes a one-frame MP4 and its thumbnail; later renders copy
those bytes. Nothing of the request is drawn or embedded, so never configure it in production.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from workers.generators.base import SIZES, Aspect, RenderRequest, RenderResult
from workers.media import MediaInfo, make_thumbnail, probe, run_ffmpeg

MODEL = "fanreel-noop"


class NoopGenerator:
    name = "noop"

    def __init__(self) -> None:
        self._files: dict[Aspect, tuple[bytes, bytes, MediaInfo]] = {}
        self._lock = asyncio.Lock()

    async def render(self, request: RenderRequest, workdir: Path) -> RenderResult:
        video, thumbnail, info = await self._files_for(request.aspect, workdir)
        video_path, thumbnail_path = workdir / "video.mp4", workdir / "thumbnail.jpg"
        _write({video_path: video, thumbnail_path: thumbnail})  # a few KiB: not worth a thread hop
        return RenderResult(video_path=video_path, thumbnail_path=thumbnail_path, model=MODEL, info=info)

    async def _files_for(self, aspect: Aspect, workdir: Path) -> tuple[bytes, bytes, MediaInfo]:
        if aspect not in self._files:
            async with self._lock:
                if aspect not in self._files:
                    self._files[aspect] = await _encode(aspect, workdir)
        return self._files[aspect]


async def _encode(aspect: Aspect, workdir: Path) -> tuple[bytes, bytes, MediaInfo]:
    width, height = SIZES[aspect]
    video, thumbnail = workdir / "noop.mp4", workdir / "noop.jpg"
    source = f"color=c=black:s={width}x{height}:r=1:d=1"
    await run_ffmpeg(["-f", "lavfi", "-i", source, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", video])
    await make_thumbnail(video, thumbnail, at_seconds=0.0)
    info = await probe(video)  # measured once from the bytes every later render copies
    return video.read_bytes(), thumbnail.read_bytes(), info


def _write(files: dict[Path, bytes]) -> None:
    for path, data in files.items():
        path.write_bytes(data)
