from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.workers.fake_provider import FakeProvider, render_sample_mp4, serving
from workers.generators.base import (
    Aspect,
    GenerationRefused,
    GeneratorError,
    RenderRequest,
    TransientGeneratorError,
    build_generator,
)
from workers.generators.http import HttpGenerator
from workers.media import probe, read_metadata

TOKEN = "test-token"
METADATA = {"video_id": "abc", "generator": "http"}


@pytest.fixture(scope="session")
def sample_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return render_sample_mp4(tmp_path_factory.mktemp("sample") / "sample.mp4")


@pytest.fixture(scope="module")
def provider(sample_mp4: bytes) -> Iterator[tuple[FakeProvider, str]]:
    fake = FakeProvider(video=sample_mp4, token=TOKEN)
    with serving(fake.app) as base_url:
        yield fake, base_url


def make_generator(provider: tuple[FakeProvider, str], **overrides: object) -> HttpGenerator:
    options: dict[str, object] = {"poll_seconds": 0.01, "timeout_seconds": 5.0, "retry_base_seconds": 0.01}
    options.update(overrides)
    token = str(options.pop("token", TOKEN))
    return HttpGenerator(base_url=provider[1], token=token, **options)  # type: ignore[arg-type]


def make_request(prompt: str) -> RenderRequest:
    return RenderRequest(
        video_id=uuid.uuid4(),
        prompt=prompt,
        duration_seconds=4,
        aspect=Aspect.PORTRAIT,
        character_names=("Nova",),
        attributions=("Nova © Studio",),
        metadata=METADATA,
    )


def requests_for(fake: FakeProvider, start: int) -> list[tuple[str, str, str | None]]:
    return fake.requests[start:]


async def test_success_downloads_a_playable_video(provider: tuple[FakeProvider, str], tmp_path: Path) -> None:
    fake, _ = provider
    start = len(fake.requests)
    result = await make_generator(provider).render_into(make_request("a fox"), tmp_path)
    info = await probe(result.video_path)
    assert (info.codec, info.width, info.height) == ("h264", 320, 240)
    assert info.duration_seconds == pytest.approx(1.0, abs=0.1)
    assert result.thumbnail_path.read_bytes()[:3] == b"\xff\xd8\xff"
    assert result.model == "fake/text-to-video"
    tags = await read_metadata(result.video_path)
    assert tags["comment"] == tags["description"] == '{"generator":"http","video_id":"abc"}'
    data = result.video_path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # remuxed with +faststart
    assert fake.bodies[-1] == {"input": {"prompt": "a fox", "duration": 4, "aspect_ratio": "9:16"}}
    calls = requests_for(fake, start)
    assert [method for method, _, _ in calls] == ["POST", "GET", "GET", "GET"]
    assert {auth for _, _, auth in calls} == {f"Bearer {TOKEN}"}


async def test_token_is_not_sent_to_another_origin(provider: tuple[FakeProvider, str], tmp_path: Path) -> None:
    fake, _ = provider
    await make_generator(provider).render_into(make_request("a fox [cdn]"), tmp_path)
    assert fake.requests[-1][1].startswith("/files/")
    assert fake.requests[-1][2] is None


async def test_429_is_retried(provider: tuple[FakeProvider, str], tmp_path: Path) -> None:
    fake, _ = provider
    start = len(fake.requests)
    result = await make_generator(provider).render_into(make_request("a fox [429]"), tmp_path)
    assert result.video_path.stat().st_size > 0
    assert [method for method, _, _ in requests_for(fake, start)][:3] == ["POST", "POST", "POST"]


async def test_5xx_is_retried(provider: tuple[FakeProvider, str], tmp_path: Path) -> None:
    fake, _ = provider
    start = len(fake.requests)
    result = await make_generator(provider).render_into(make_request("a fox [500]"), tmp_path)
    assert result.video_path.stat().st_size > 0
    assert len([call for call in requests_for(fake, start) if call[0] == "GET"]) == 2 + 2 + 1  # 500s, polls, file


async def test_retries_run_out(provider: tuple[FakeProvider, str], tmp_path: Path) -> None:
    with pytest.raises(TransientGeneratorError, match="429"):
        await make_generator(provider, max_retries=1).render_into(make_request("a fox [429] once"), tmp_path)


async def test_refusal_is_final_with_the_providers_reason(provider: tuple[FakeProvider, str], tmp_path: Path) -> None:
    with pytest.raises(GenerationRefused) as refused:
        await make_generator(provider).render_into(make_request("a fox [refuse]"), tmp_path)
    assert refused.value.reason == "The prompt was refused under our content policy."


async def test_other_failures_are_transient(provider: tuple[FakeProvider, str], tmp_path: Path) -> None:
    with pytest.raises(TransientGeneratorError, match="CUDA out of memory"):
        await make_generator(provider).render_into(make_request("a fox [fail]"), tmp_path)


async def test_never_finishing_times_out_and_cancels(provider: tuple[FakeProvider, str], tmp_path: Path) -> None:
    fake, _ = provider
    with pytest.raises(TransientGeneratorError, match=r"not done after 0\.3 s"):
        await make_generator(provider, timeout_seconds=0.3).render_into(make_request("a fox [slow]"), tmp_path)
    method, path, _ = fake.requests[-1]
    assert (method, path.rsplit("/", 1)[-1]) == ("POST", "cancel")


async def test_bad_token_is_a_final_error(provider: tuple[FakeProvider, str], tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="401") as raised:
        await make_generator(provider, token="wrong").render_into(make_request("a fox"), tmp_path)
    assert not isinstance(raised.value, TransientGeneratorError)


async def test_unreachable_provider_is_transient(tmp_path: Path) -> None:
    generator = HttpGenerator(
        base_url="http://127.0.0.1:9",
        token=TOKEN,
        poll_seconds=0.01,
        timeout_seconds=1,
        retry_base_seconds=0.01,
    )
    with pytest.raises(TransientGeneratorError):
        await generator.render_into(make_request("a fox"), tmp_path)


def test_build_generator_passes_the_settings() -> None:
    generator = build_generator(
        "http", http_url="http://provider/", http_token="t", poll_seconds=2.0, timeout_seconds=60.0
    )
    assert isinstance(generator, HttpGenerator)
    assert (generator.base_url, generator.poll_seconds, generator.timeout_seconds) == (
        "http://provider",
        2.0,
        60.0,
    )
    with pytest.raises(ValueError, match="unknown generator"):
        build_generator("magic", http_url="", http_token="", poll_seconds=1, timeout_seconds=1)
