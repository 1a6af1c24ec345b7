"""The local generator: a real H.264 MP4 that shows the prompt, the characters and every
attribution line, drawn by ffmpeg's ``drawtext`` on a plain background, plus a JPEG thumbnail.

Needs a TrueType font: on Debian/Ubuntu the package ``fonts-dejavu-core``.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import textwrap
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

from workers.generators.base import SIZES, GeneratorError, RenderRequest, RenderResult, in_scratch_directory
from workers.media import make_thumbnail, metadata_args, run_ffmpeg

MODEL = "fanreel-local-drawtext-1"
FPS = 24
FONT_PACKAGE_HINT = "install a TrueType font, e.g. `apt-get install fonts-dejavu-core` on Debian/Ubuntu"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian, Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",  # Alpine, older Fedora
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",  # Fedora
    "/usr/share/fonts/TTF/DejaVuSans.ttf",  # Arch
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",  # macOS
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
BACKGROUNDS = ("0x1d2a3a", "0x2b1d3a", "0x1d3a2f", "0x3a2a1d", "0x3a1d2a", "0x22303f")
# Average advance of a glyph in em, a little generous so wrapped lines stay inside the frame.
CHAR_EM = 0.6
MIN_ATTRIBUTION_SIZE = 10


class FontNotFound(GeneratorError):
    def __init__(self) -> None:
        super().__init__(f"no TrueType font found for the local generator: {FONT_PACKAGE_HINT}")


def find_font() -> Path:
    """The first usable font: well-known paths, then fontconfig's choice, then any font file."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    if (matched := _fontconfig_font()) is not None:
        return matched
    for directory in FONT_DIRS:
        found = sorted(p for p in Path(directory).rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
        if found:
            return found[0]
    raise FontNotFound()


def _fontconfig_font() -> Path | None:
    if (fc_match := shutil.which("fc-match")) is None:
        return None
    try:
        result = subprocess.run(
            [fc_match, "--format=%{file}", "sans-serif"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = Path(result.stdout.strip())
    return path if result.returncode == 0 and path.suffix.lower() in FONT_SUFFIXES and path.is_file() else None


@dataclass(frozen=True)
class TextBlock:
    """Lines drawn by one ``drawtext``, read from ``filename`` in the work directory."""

    filename: str
    lines: tuple[str, ...]
    size: int
    color: str
    y: str  # ffmpeg expression

    @property
    def height(self) -> int:
        return len(self.lines) * line_height(self.size)


def line_height(size: int) -> int:
    return size + size // 4 + size // 4  # ascent + descent (~1.25 em), plus line_spacing (size // 4)


def layout(request: RenderRequest, width: int, height: int) -> list[TextBlock]:
    """Attributions in full at the bottom (shrinking the font if needed), the characters under
    the prompt, and as much of the prompt as fits at the top."""
    unit = min(width, height)
    margin = unit // 16
    room = height - 3 * margin
    size = unit // 30
    attributions = _wrap_all(request.attributions, size, width - 2 * margin)
    while size > MIN_ATTRIBUTION_SIZE and len(attributions) * line_height(size) > room * 0.45:
        size -= 1
        attributions = _wrap_all(request.attributions, size, width - 2 * margin)
    bottom = TextBlock("attributions.txt", attributions, size, "0xd8d8d8", f"h-th-{margin}")
    names_text = "with " + ", ".join(request.character_names) if request.character_names else ""
    names_size = unit // 22
    names = _wrap_all((names_text,), names_size, width - 2 * margin)
    prompt_size = unit // 17
    prompt_room = room - bottom.height - len(names) * line_height(names_size) - margin // 2
    prompt_lines = _wrap_all((request.prompt,), prompt_size, width - 2 * margin)
    prompt = TextBlock(
        "prompt.txt",
        _truncate(prompt_lines, prompt_room // line_height(prompt_size)),
        prompt_size,
        "white",
        f"{margin}",
    )
    middle = TextBlock("names.txt", names, names_size, "0xffd166", f"{margin + prompt.height + margin // 2}")
    return [block for block in (prompt, middle, bottom) if block.lines]


def _wrap_all(paragraphs: Sequence[str], size: int, width: int) -> tuple[str, ...]:
    columns = max(int(width / (size * CHAR_EM)), 8)
    return tuple(line for text in paragraphs for line in textwrap.wrap(_printable(text), columns))


def _printable(text: str) -> str:
    return re.sub(r"\s+", " ", "".join(c if c.isprintable() else " " for c in text)).strip()


def _truncate(lines: tuple[str, ...], limit: int) -> tuple[str, ...]:
    limit = max(limit, 1)
    if len(lines) <= limit:
        return lines
    return (*lines[: limit - 1], lines[limit - 1].rstrip(" .,;:") + "…")


def filter_value(value: str) -> str:
    """Escape a filter option value twice: for the option parser, then for the filtergraph."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    return re.sub(r"([\\'\[\],;])", r"\\\1", escaped)


class LocalGenerator:
    name = "local"

    def __init__(self, *, font_path: Path | None = None, fps: int = FPS) -> None:
        # Found now, so that a machine without fonts fails at worker start, not on every job.
        self.font_path = font_path or find_font()
        self.fps = fps

    def render(self, request: RenderRequest) -> AbstractAsyncContextManager[RenderResult]:
        return in_scratch_directory(self.render_into, request)

    async def render_into(self, request: RenderRequest, workdir: Path) -> RenderResult:
        if request.duration_seconds < 1:
            raise GeneratorError(f"duration must be at least 1 s, not {request.duration_seconds}")
        width, height = SIZES[request.aspect]
        blocks = layout(request, width, height)
        await asyncio.to_thread(_write_texts, workdir, blocks)
        video, thumbnail = workdir / "video.mp4", workdir / "thumbnail.jpg"
        background = BACKGROUNDS[request.video_id.int % len(BACKGROUNDS)]
        source = f"color=c={background}:s={width}x{height}:r={self.fps}:d={request.duration_seconds}"
        filters = self._filters(blocks, height, request.duration_seconds)
        encode = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage"]
        encode += ["-pix_fmt", "yuv420p", "-an"]
        output = ["-movflags", "+faststart", *metadata_args(request.metadata), "-f", "mp4", "-y", video.name]
        await run_ffmpeg(["-f", "lavfi", "-i", source, "-vf", filters, *encode, *output], cwd=workdir)
        await make_thumbnail(video, thumbnail)
        return RenderResult(video_path=video, thumbnail_path=thumbnail, model=MODEL)

    def _filters(self, blocks: Sequence[TextBlock], height: int, duration: int) -> str:
        font = f"fontfile={filter_value(str(self.font_path))}"
        filters = [
            f"drawtext={font}:textfile={block.filename}:expansion=none:fontsize={block.size}"
            f":fontcolor={block.color}:line_spacing={block.size // 4}:x=(w-tw)/2:y={block.y}"
            for block in blocks
        ]
        # A dot crossing the frame, so that it is visibly a video and seeking can be checked by eye.
        dot = max(height // 60, 8)
        filters.append(
            f"drawtext={font}:textfile=dot.txt:expansion=none:fontsize={dot}:fontcolor=0xffd166"
            f":x=(w-tw)*t/{duration}:y=h-th-{dot // 2}"
        )
        return ",".join([*filters, "format=yuv420p"])


def _write_texts(workdir: Path, blocks: Sequence[TextBlock]) -> None:
    for block in blocks:
        (workdir / block.filename).write_text("\n".join(block.lines), encoding="utf-8")
    (workdir / "dot.txt").write_text("●", encoding="utf-8")
