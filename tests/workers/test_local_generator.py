from __future__ import annotations

import json
import shutil
import struct
import uuid
from pathlib import Path

import pytest

from workers.generators.base import SIZES, Aspect, GeneratorError, RenderRequest, build_generator
from workers.generators.local import LocalGenerator, find_font, layout
from workers.generators.noop import NoopGenerator
from workers.media import probe, read_metadata

METADATA = {"video_id": "7d1c", "prompt_sha256": "ab12", "characters": "Captain Nova; Whiskers = cat"}


def make_request(
    aspect: Aspect, *, duration: int = 2, prompt: str = "Captain Nova and Whiskers have tea"
) -> RenderRequest:
    return RenderRequest(
        video_id=uuid.uuid4(),
        prompt=prompt,
        duration_seconds=duration,
        aspect=aspect,
        character_names=("Captain Nova", "Whiskers"),
        attributions=("Captain Nova © 2024 Starlight Studios, used under license", "Whiskers ™ Purr Inc."),
        metadata=METADATA,
    )


def top_level_boxes(path: Path) -> list[str]:
    """The MP4 top-level box types, in file order."""
    data, boxes, offset = path.read_bytes(), [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        offset += size if size else len(data)
    return boxes


@pytest.fixture(scope="module")
def generator() -> LocalGenerator:
    return LocalGenerator()


@pytest.mark.parametrize("aspect", list(Aspect))
async def test_renders_a_faststart_h264_mp4(generator: LocalGenerator, aspect: Aspect, tmp_path: Path) -> None:
    result = await generator.render_into(make_request(aspect), tmp_path)
    info = await probe(result.video_path)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    assert (info.width, info.height) == SIZES[aspect]
    assert info.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert info.size_bytes == result.video_path.stat().st_size
    boxes = top_level_boxes(result.video_path)
    assert boxes.index("moov") < boxes.index("mdat")
    assert result.thumbnail_path.read_bytes()[:3] == b"\xff\xd8\xff"
    assert (await probe(result.thumbnail_path)).width == SIZES[aspect][0]
    tags = await read_metadata(result.video_path)
    assert json.loads(tags["comment"]) == json.loads(tags["description"]) == METADATA


async def test_render_keeps_its_files_until_the_block_ends(generator: LocalGenerator) -> None:
    async with generator.render(make_request(Aspect.SQUARE)) as result:
        assert (await probe(result.video_path)).width == SIZES[Aspect.SQUARE][0]
        assert result.thumbnail_path.exists()
        scratch = result.video_path.parent
    assert not scratch.exists()  # the scratch directory is gone with the block


async def test_duration_is_exact_for_longer_videos(generator: LocalGenerator, tmp_path: Path) -> None:
    result = await generator.render_into(make_request(Aspect.SQUARE, duration=5), tmp_path)
    assert (await probe(result.video_path)).duration_seconds == pytest.approx(5.0, abs=0.1)


async def test_awkward_text_is_drawn_literally(generator: LocalGenerator, tmp_path: Path) -> None:
    prompt = "100% 'quoted': %{pts} [brackets], semi;colons \\ back\nslash é漢字 " * 20
    result = await generator.render_into(make_request(Aspect.PORTRAIT, prompt=prompt), tmp_path)
    assert (await probe(result.video_path)).duration_seconds == pytest.approx(2.0, abs=0.1)


def test_layout_keeps_every_attribution_and_truncates_the_prompt() -> None:
    request = make_request(Aspect.LANDSCAPE, prompt="word " * 500)
    attributions = tuple(f"Character {n} © Holder {n}, used under license, all rights reserved" for n in range(8))
    request = RenderRequest(**{**request.__dict__, "attributions": attributions})
    prompt, names, bottom = layout(request, *SIZES[Aspect.LANDSCAPE])
    assert prompt.lines[-1].endswith("…")
    assert " ".join(bottom.lines).count("©") == 8
    assert names.lines == ("with Captain Nova, Whiskers",)
    assert prompt.height + names.height + bottom.height < SIZES[Aspect.LANDSCAPE][1]


async def test_font_path_is_escaped_for_the_filtergraph(tmp_path: Path) -> None:
    awkward = tmp_path / "we'ird: [dir], ;x\\y" / "f o'n:t.ttf"
    awkward.parent.mkdir()
    shutil.copyfile(find_font(), awkward)
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = await LocalGenerator(font_path=awkward).render_into(make_request(Aspect.SQUARE), workdir)
    assert (await probe(result.video_path)).codec == "h264"


def test_a_font_is_found() -> None:
    assert find_font().is_file()


async def test_too_short_is_refused(generator: LocalGenerator, tmp_path: Path) -> None:
    with pytest.raises(GeneratorError):
        await generator.render_into(make_request(Aspect.SQUARE, duration=0), tmp_path)


async def test_noop_writes_real_files() -> None:
    generator = build_generator("noop", http_url="", http_token="", poll_seconds=1, timeout_seconds=1)
    assert isinstance(generator, NoopGenerator)
    for _ in range(2):
        async with generator.render(make_request(Aspect.LANDSCAPE)) as result:
            assert (await probe(result.video_path)).codec == "h264"
            assert result.thumbnail_path.read_bytes()[:3] == b"\xff\xd8\xff"
