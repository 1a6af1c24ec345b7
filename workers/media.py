"""Facts about media files, measured with the ffmpeg binary that the imageio-ffmpeg wheel ships.

The wheel has no ffprobe, so :func:`probe` parses the stream summary that ``ffmpeg -i``
prints on stderr. Every ffmpeg run is an asyncio subprocess, killed if the caller is
cancelled (a job timeout must not leave encoders behind).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import imageio_ffmpeg

CHUNK_BYTES = 1 << 20
THUMBNAIL_AT_SECONDS = 0.5


class MediaError(Exception):
    """ffmpeg failed, or a file is not the media it should be. ``stderr`` is ffmpeg's last words."""

    def __init__(self, message: str, *, stderr: str = "") -> None:
        super().__init__(f"{message}: {stderr[-500:]}" if stderr else message)
        self.stderr = stderr


@dataclass(frozen=True)
class MediaInfo:
    width: int
    height: int
    duration_seconds: float
    codec: str
    pix_fmt: str
    size_bytes: int
    sha256: str


@cache
def ffmpeg_exe() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


async def run_ffmpeg(
    args: Sequence[str | Path], *, cwd: Path | None = None, loglevel: str = "error", check: bool = True
) -> tuple[bytes, str]:
    """Run ffmpeg with ``args``; return (stdout, stderr). Raises MediaError on failure if ``check``."""
    process = await asyncio.create_subprocess_exec(
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        loglevel,
        *map(str, args),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
    )
    try:
        stdout, stderr_bytes = await process.communicate()
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    stderr = stderr_bytes.decode("utf-8", "replace")
    if check and process.returncode != 0:
        raise MediaError(f"ffmpeg exited with {process.returncode}", stderr=stderr)
    return stdout, stderr


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


async def probe(path: Path) -> MediaInfo:
    """Measure a video or image file: first video stream's size, codec, pixel format; duration; hash."""
    # Without an output ffmpeg exits 1 ("At least one output file must be specified") after the summary.
    _, stderr = await run_ffmpeg(["-i", path], loglevel="info", check=False)
    width, height, codec, pix_fmt = _parse_video_stream(stderr)
    sha256 = await asyncio.to_thread(sha256_file, path)
    size_bytes = await asyncio.to_thread(lambda: path.stat().st_size)
    return MediaInfo(width, height, _parse_duration(stderr), codec, pix_fmt, size_bytes, sha256)


_DURATION = re.compile(r"^\s*Duration: (?:(\d+):(\d\d):(\d\d(?:\.\d+)?)|N/A)", re.MULTILINE)
_VIDEO_STREAM = re.compile(r"^\s*Stream #\d+:\d+\S*: Video: (.+)$", re.MULTILINE)
_SIZE = re.compile(r"^(\d+)x(\d+)\b")
_PIX_FMT = re.compile(r"^([a-z][a-z0-9_]*)(?:\(|$)")


def _parse_duration(stderr: str) -> float:
    match = _DURATION.search(stderr)
    if match is None:
        raise MediaError("no duration in ffmpeg's summary (not a media file?)", stderr=stderr)
    if match.group(1) is None:  # "Duration: N/A", e.g. a still image
        return 0.0
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _parse_video_stream(stderr: str) -> tuple[int, int, str, str]:
    """(width, height, codec, pix_fmt) from a line such as ``Stream #0:0[0x1](und): Video: h264
    (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 480x854 [SAR 1:1 DAR 240:427], ...``."""
    match = _VIDEO_STREAM.search(stderr)
    if match is None:
        raise MediaError("no video stream in ffmpeg's summary (not a media file?)", stderr=stderr)
    fields = _split_top_level(match.group(1))
    codec = fields[0].split()[0]
    sizes = [size for field in fields[1:] if (size := _SIZE.match(field))]
    if not sizes:
        raise MediaError("no frame size in ffmpeg's summary", stderr=stderr)
    pix_fmts = [pix.group(1) for field in fields[1:] if (pix := _PIX_FMT.match(field))]
    return int(sizes[0].group(1)), int(sizes[0].group(2)), codec, pix_fmts[0] if pix_fmts else ""


def _split_top_level(text: str) -> list[str]:
    """Split on the commas that are not inside parentheses or brackets."""
    fields, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            fields.append(text[start:index].strip())
            start = index + 1
    fields.append(text[start:].strip())
    return fields


def metadata_args(metadata: Mapping[str, str]) -> list[str]:
    """ffmpeg output options that embed ``metadata`` as JSON in the MP4 comment and description tags."""
    document = json.dumps(dict(metadata), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return ["-metadata", f"comment={document}", "-metadata", f"description={document}"]


async def write_metadata(source: Path, target: Path, metadata: Mapping[str, str]) -> None:
    """Copy ``source``'s video (and audio, if any) into the MP4 ``target`` without re-encoding,
    with ``metadata`` embedded and the moov atom first so playback starts before the download ends."""
    streams = ["-map", "0:v:0", "-map", "0:a:0?", "-c", "copy"]
    await run_ffmpeg(
        [
            "-i",
            source,
            *streams,
            *metadata_args(metadata),
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            "-y",
            target,
        ]
    )


async def read_metadata(path: Path) -> dict[str, str]:
    """The container-level tags of a media file (``comment``, ``description``, ``encoder``, ...)."""
    stdout, _ = await run_ffmpeg(["-i", path, "-f", "ffmetadata", "-"])
    return parse_ffmetadata(stdout.decode("utf-8", "replace"))


def parse_ffmetadata(text: str) -> dict[str, str]:
    """Global tags of an ffmetadata document (``=``, ``;``, ``#``, ``\\`` and newlines are
    backslash-escaped); stops at the first ``[SECTION]``."""
    tags: dict[str, str] = {}
    for fields in _ffmetadata_lines(text):
        if len(fields) == 1 and fields[0].startswith("["):
            break
        if len(fields) == 2:
            tags[fields[0]] = fields[1]
    return tags


def _ffmetadata_lines(text: str) -> list[list[str]]:
    lines: list[list[str]] = []
    fields: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "=" and not fields:
            fields.append("".join(current))
            current = []
        elif char == "\n":
            lines.append([*fields, "".join(current)])
            fields, current = [], []
        else:
            current.append(char)
    lines.append([*fields, "".join(current)])
    return lines


async def make_thumbnail(video: Path, target: Path, *, at_seconds: float = THUMBNAIL_AT_SECONDS) -> None:
    """Write a JPEG of the frame at ``at_seconds`` (the first frame if the video is shorter)."""
    await asyncio.to_thread(target.unlink, missing_ok=True)
    for seek in (at_seconds, 0.0):
        # Seeking past the end is an ffmpeg error: check only the last resort.
        await run_ffmpeg(
            ["-ss", f"{seek:.3f}", "-i", video, "-frames:v", "1", "-q:v", "3", "-update", "1", "-y", target],
            check=seek == 0.0,
        )
        if await asyncio.to_thread(lambda: target.exists() and target.stat().st_size > 0):
            return
    raise MediaError(f"no frame to make a thumbnail of in {video.name}")
