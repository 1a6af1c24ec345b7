"""What every video generator takes, returns and raises, and how the configured one is built.

A generator turns a :class:`RenderRequest` into an MP4 and a JPEG thumbnail, which stay on disk
until the caller's ``async with generator.render(request)`` block ends (most generators render
into a scratch directory of their own: :func:`in_scratch_directory`). It signals failure with
:class:`TransientGeneratorError` (retry with backoff), :class:`GenerationRefused` (final: the
provider refused the content) or another :class:`GeneratorError` (final: a configuration or
provider bug).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol
from uuid import UUID

from workers.media import MediaInfo


class Aspect(StrEnum):
    """Same member names as the GraphQL ``Aspect`` enum."""

    PORTRAIT = "PORTRAIT"
    LANDSCAPE = "LANDSCAPE"
    SQUARE = "SQUARE"


SIZES: dict[Aspect, tuple[int, int]] = {
    Aspect.PORTRAIT: (480, 854),
    Aspect.LANDSCAPE: (854, 480),
    Aspect.SQUARE: (640, 640),
}

# How hosted providers spell the aspect (Replicate-style ``aspect_ratio`` input).
ASPECT_RATIOS: dict[Aspect, str] = {
    Aspect.PORTRAIT: "9:16",
    Aspect.LANDSCAPE: "16:9",
    Aspect.SQUARE: "1:1",
}


@dataclass(frozen=True)
class RenderRequest:
    video_id: UUID
    prompt: str
    duration_seconds: int
    aspect: Aspect
    character_names: tuple[str, ...]
    attributions: tuple[str, ...]
    # Provenance facts embedded as JSON in the MP4's ``comment`` and ``description`` tags.
    metadata: Mapping[str, str]


@dataclass(frozen=True)
class RenderResult:
    """The rendered files; they stay until the `render` block that returned them ends."""

    video_path: Path
    thumbnail_path: Path
    model: str
    # Set when the generator already measured these exact bytes, so the job need not probe them again.
    info: MediaInfo | None = None


class GeneratorError(Exception):
    """A render failed for good (bad configuration, provider bug). Base of the other errors."""


class TransientGeneratorError(GeneratorError):
    """The provider was busy, down, slow or failed for no stated reason: retry with backoff."""


class GenerationRefused(GeneratorError):
    """Final: the provider refused the content. ``reason`` is the provider's own words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Generator(Protocol):
    name: str

    def render(self, request: RenderRequest) -> AbstractAsyncContextManager[RenderResult]: ...


@asynccontextmanager
async def in_scratch_directory(
    render_into: Callable[[RenderRequest, Path], Awaitable[RenderResult]], request: RenderRequest
) -> AsyncIterator[RenderResult]:
    """`render_into(request, workdir)` in a temporary directory, removed when the block ends.

    Only generators that write files make one: on an ext4 file system without a journal (this
    project's CI machine), every inode deleted in the last minutes is scanned past by the next
    file creations (the kernel's recently_deleted()), so a directory made and removed per job
    for nothing costs every later job (such scans took a third of the machine's CPU in
    bench/queue.py).
    """
    with tempfile.TemporaryDirectory(prefix="fanreel-") as workdir:
        yield await render_into(request, Path(workdir))


def build_generator(
    kind: str, *, http_url: str, http_token: str, poll_seconds: float, timeout_seconds: float
) -> Generator:
    """Build the generator named by the ``GENERATOR`` setting (``local``, ``http`` or ``noop``)."""
    # Imported here: the adapters import this module, and each needs only its own dependencies.
    if kind == "local":
        from workers.generators.local import LocalGenerator

        return LocalGenerator()
    if kind == "http":
        from workers.generators.http import HttpGenerator

        return HttpGenerator(
            base_url=http_url, token=http_token, poll_seconds=poll_seconds, timeout_seconds=timeout_seconds
        )
    if kind == "noop":
        from workers.generators.noop import NoopGenerator

        return NoopGenerator()
    raise ValueError(f"unknown generator {kind!r}: expected local, http or noop")
