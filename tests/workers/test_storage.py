from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]  # no stubs installed
import httpx
import pytest
from moto.server import ThreadedMotoServer
from starlette.applications import Starlette
from starlette.routing import Mount

from workers.storage.base import InvalidKey, build_storage, validate_key
from workers.storage.directory import DirectoryStorage, _write_atomically, media_app
from workers.storage.s3 import S3Storage
from workers.storage.signing import UrlSigner

KEY = "videos/0b4a6f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b/video.mp4"
DATA = bytes(range(256)) * 40  # 10,240 bytes
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"}],
}
SECRET = "test-url-signing-secret"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def storage(tmp_path: Path) -> DirectoryStorage:
    return DirectoryStorage(tmp_path / "media", public_base_url="http://cdn.test/", url_signing_secret=SECRET)


@pytest.mark.parametrize(
    "key",
    ["", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", ".hidden", "a/", "a\\b", "a b", "a\x00b", "é"],
)
def test_bad_keys_are_rejected(key: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(key)


def test_good_keys_pass() -> None:
    assert validate_key(KEY) == KEY
    assert validate_key("provenance/v1.json") == "provenance/v1.json"


async def test_directory_put_url_delete(storage: DirectoryStorage, tmp_path: Path) -> None:
    source = tmp_path / "source.mp4"
    source.write_bytes(DATA)
    stored = await storage.put_file(KEY, source, "video/mp4")
    assert stored.url == f"http://cdn.test/media/{KEY}"
    assert (stored.size_bytes, stored.sha256) == (len(DATA), hashlib.sha256(DATA).hexdigest())
    assert stored.content_type == "video/mp4"
    assert (storage.media_dir / KEY).read_bytes() == DATA
    assert [p.name for p in (storage.media_dir / KEY).parent.iterdir()] == ["video.mp4"]  # no temporary left
    await storage.delete(KEY)
    await storage.delete(KEY)  # idempotent
    assert list(storage.media_dir.iterdir()) == []  # empty key directories removed too


async def test_directory_put_bytes_replaces(storage: DirectoryStorage) -> None:
    await storage.put_bytes("a/b.json", b"{}", "application/json")
    stored = await storage.put_bytes("a/b.json", b'{"v":2}', "application/json")
    assert (storage.media_dir / "a/b.json").read_bytes() == b'{"v":2}'
    assert stored.size_bytes == 7


async def test_directory_files_are_readable_by_others_and_large_ones_go_through_a_thread(
    storage: DirectoryStorage, tmp_path: Path
) -> None:
    big = tmp_path / "big.mp4"
    big.write_bytes(DATA * 100)  # 1 MB: stored from a worker thread, in chunks
    stored = await storage.put_file("videos/y/video.mp4", big, "video/mp4")
    assert stored.sha256 == hashlib.sha256(DATA * 100).hexdigest()
    assert (storage.media_dir / "videos/y/video.mp4").stat().st_mode & 0o777 == 0o644 & ~current_umask()


async def test_a_failed_write_leaves_nothing_behind(storage: DirectoryStorage) -> None:
    def failing() -> Iterator[bytes]:
        yield DATA
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _write_atomically(storage.media_dir / "videos/z/video.mp4", failing())
    assert list((storage.media_dir / "videos/z").iterdir()) == []  # neither the file nor a temporary


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


async def test_directory_rejects_bad_keys(storage: DirectoryStorage) -> None:
    with pytest.raises(InvalidKey):
        await storage.put_bytes("../escape.mp4", b"x", "video/mp4")
    with pytest.raises(InvalidKey):
        storage.url("/abs")


@pytest.fixture
async def media_client(storage: DirectoryStorage) -> httpx.AsyncClient:
    await storage.put_bytes(KEY, DATA, "video/mp4")
    await storage.put_bytes("videos/x/thumbnail.jpg", b"\xff\xd8\xff", "image/jpeg")
    await storage.put_bytes("videos/x/provenance.json", b"{}", "application/json")
    (storage.media_dir / "videos/x/.video.mp4.1234.tmp").write_bytes(DATA)  # a write in progress
    app = Starlette(routes=[Mount("/media", app=media_app(storage.media_dir, storage.signer))])  # as the API mounts it
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test/media/")


async def private_client(storage: DirectoryStorage) -> httpx.AsyncClient:
    """The media app with nothing public: only signed requests are served."""

    async def nothing_public(key: str) -> bool:
        return False

    await storage.put_bytes(KEY, DATA, "video/mp4")
    app = Starlette(routes=[Mount("/media", app=media_app(storage.media_dir, storage.signer, nothing_public))])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cdn.test")


async def test_signed_urls_serve_private_media_until_they_expire(storage: DirectoryStorage) -> None:
    signed = storage.signed_url(KEY, 60)
    assert signed.startswith(f"http://cdn.test/media/{KEY}?expires=")
    async with await private_client(storage) as client:
        assert (await client.get(f"/media/{KEY}")).status_code == 404  # no signature, not public
        served = await client.get(signed, headers={"Range": "bytes=0-9"})
        assert (served.status_code, served.content) == (206, DATA[:10])
        expired = f"/media/{KEY}?{storage.signer.query(KEY, 60, now=1_000_000)}"
        assert (await client.get(expired)).status_code == 404
        other_key = signed.replace("video.mp4", "thumbnail.jpg")
        assert (await client.get(other_key)).status_code == 404
        query = signed.split("?")[1]
        tampered = signed.replace(query.split("&")[0], "expires=99999999999")
        assert (await client.get(tampered)).status_code == 404
        assert (await client.get(f"/media/{KEY}?expires=&signature=")).status_code == 404
        forged = UrlSigner("another-secret").query(KEY, 60)
        assert (await client.get(f"/media/{KEY}?{forged}")).status_code == 404


async def test_media_app_serves_content_types(media_client: httpx.AsyncClient) -> None:
    async with media_client as client:
        full = await client.get(KEY)
        assert (full.status_code, full.content) == (200, DATA)
        assert full.headers["content-type"] == "video/mp4"
        assert full.headers["accept-ranges"] == "bytes"
        assert (await client.get("videos/x/thumbnail.jpg")).headers["content-type"] == "image/jpeg"
        assert (await client.get("videos/x/provenance.json")).headers["content-type"] == "application/json"
        assert (await client.get("videos/x/missing.mp4")).status_code == 404
        assert (await client.get("videos/x/.video.mp4.1234.tmp")).status_code == 404
        assert (await client.get("/media/%2E%2E/%2E%2E/etc/passwd")).status_code == 404


async def test_media_app_serves_ranges(media_client: httpx.AsyncClient) -> None:
    async with media_client as client:
        first = await client.get(KEY, headers={"Range": "bytes=0-99"})
        assert (first.status_code, first.content) == (206, DATA[:100])
        assert first.headers["content-range"] == f"bytes 0-99/{len(DATA)}"
        assert first.headers["content-type"] == "video/mp4"
        suffix = await client.get(KEY, headers={"Range": "bytes=-10"})
        assert (suffix.status_code, suffix.content) == (206, DATA[-10:])
        assert suffix.headers["content-range"] == f"bytes {len(DATA) - 10}-{len(DATA) - 1}/{len(DATA)}"
        open_ended = await client.get(KEY, headers={"Range": "bytes=10000-"})
        assert (open_ended.status_code, open_ended.content) == (206, DATA[10000:])
        beyond = await client.get(KEY, headers={"Range": f"bytes={len(DATA)}-"})
        assert beyond.status_code == 416
        assert beyond.headers["content-range"] == f"bytes */{len(DATA)}"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    admin = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)
    admin.create_bucket(Bucket="media")
    admin.put_bucket_policy(Bucket="media", Policy=json.dumps(PUBLIC_READ))  # as production needs for its URLs
    try:
        yield endpoint
    finally:
        server.stop()


async def test_s3_put_url_delete(moto_endpoint: str, tmp_path: Path) -> None:
    storage = S3Storage(bucket="media", endpoint_url=moto_endpoint + "/", region="us-east-1", **CREDENTIALS)
    source = tmp_path / "video.mp4"
    source.write_bytes(DATA)
    stored = await storage.put_file(KEY, source, "video/mp4")
    assert stored.url == f"{moto_endpoint}/media/{KEY}"
    assert (stored.size_bytes, stored.sha256) == (len(DATA), hashlib.sha256(DATA).hexdigest())
    async with httpx.AsyncClient() as client:
        response = await client.get(stored.url)
        assert (response.status_code, response.content) == (200, DATA)
        assert response.headers["content-type"] == "video/mp4"
        assert response.headers["x-amz-meta-sha256"] == stored.sha256
        manifest = await storage.put_bytes("videos/x/provenance.json", b"{}", "application/json")
        assert (await client.get(manifest.url)).headers["content-type"] == "application/json"
        presigned = storage.signed_url("videos/x/provenance.json", 60)
        assert presigned != manifest.url and "Signature" in presigned
        assert (await client.get(presigned)).content == b"{}"
        await storage.delete(KEY)
        assert (await client.get(stored.url)).status_code == 404
    with pytest.raises(InvalidKey):
        await storage.put_bytes("../x", b"", "video/mp4")


def test_s3_urls_without_endpoint_are_virtual_hosted() -> None:
    storage = S3Storage(bucket="fanreel-media", endpoint_url=None, region="eu-west-3", **CREDENTIALS)
    assert storage.url(KEY) == f"https://fanreel-media.s3.eu-west-3.amazonaws.com/{KEY}"


def test_build_storage(tmp_path: Path) -> None:
    common = {
        "media_dir": tmp_path,
        "public_base_url": "http://x",
        "url_signing_secret": SECRET,
        "s3_endpoint_url": None,
        "s3_region": "us-east-1",
    }
    assert isinstance(build_storage("directory", s3_bucket="b", **common), DirectoryStorage)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown storage"):
        build_storage("ftp", s3_bucket="b", **common)  # type: ignore[arg-type]
