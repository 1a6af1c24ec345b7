"""Media in a local directory, served by the API under ``/media`` (see :func:`media_app`)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from workers.media import CHUNK_BYTES
from workers.storage.base import StoredObject, validate_key
from workers.storage.signing import UrlSigner

CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".json": "application/json",
    ".png": "image/png",
    ".webp": "image/webp",
}

INLINE_BYTES = 64 * 1024  # data and files up to this size are written on the event loop


class DirectoryStorage:
    """Files at ``media_dir/key``, written atomically (a temporary file renamed into place), so a
    reader never sees half a file. Atomic, not durable: there is no fsync."""

    def __init__(self, media_dir: Path, *, public_base_url: str, url_signing_secret: str) -> None:
        self.media_dir = media_dir
        self.public_base_url = public_base_url.rstrip("/")
        self.signer = UrlSigner(url_signing_secret)

    def url(self, key: str) -> str:
        return f"{self.public_base_url}/media/{validate_key(key)}"

    def signed_url(self, key: str, ttl_seconds: int) -> str:
        return f"{self.url(key)}?{self.signer.query(key, ttl_seconds)}"

    def path(self, key: str) -> Path:
        return self.media_dir / validate_key(key)

    async def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        target = self.path(key)

        def chunks() -> Iterable[bytes]:
            descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                while chunk := os.read(descriptor, CHUNK_BYTES):
                    yield chunk
            finally:
                os.close(descriptor)

        if path.stat().st_size <= INLINE_BYTES:  # noqa: ASYNC240 (one stat; a thread hop costs more than the copy)
            size, sha256 = _write_atomically(target, chunks())
        else:
            size, sha256 = await asyncio.to_thread(_write_atomically, target, chunks())
        return StoredObject(key, self.url(key), size, sha256, content_type)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        target = self.path(key)
        if len(data) <= INLINE_BYTES:
            size, sha256 = _write_atomically(target, [data])
        else:
            size, sha256 = await asyncio.to_thread(_write_atomically, target, [data])
        return StoredObject(key, self.url(key), size, sha256, content_type)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, self.path(key))

    def _delete(self, target: Path) -> None:
        target.unlink(missing_ok=True)
        # Drop the directories the key left empty (videos/<uuid>/), never media_dir itself.
        for parent in target.parents:
            if parent == self.media_dir or self.media_dir not in parent.parents:
                break
            with contextlib.suppress(OSError):  # not empty, or already gone
                parent.rmdir()


def _write_atomically(target: Path, chunks: Iterable[bytes]) -> tuple[int, str]:
    """Write `chunks` to a temporary file beside `target`, then rename it into place; (size, sha256).

    Plain system calls rather than buffered file objects (which add fstat, ioctl and lseek calls):
    a generation stores three files, and a busy worker spends more on system calls than on Python.
    """
    temporary = target.with_name(f".{target.name}.{random.getrandbits(64):016x}.tmp")  # O_EXCL refuses a clash
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        descriptor = os.open(temporary, flags, 0o644)  # a separate web server may serve it
    except FileNotFoundError:  # the first object under this prefix: make its directories
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, flags, 0o644)
    digest, size = hashlib.sha256(), 0
    try:
        try:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


# Whether a key may be served to anyone without a signature (e.g. media of a PUBLISHED video).
IsPublic = Callable[[str], Awaitable[bool]]


async def _everything_public(key: str) -> bool:
    return True


class MediaFiles(StaticFiles):
    """StaticFiles (ETag, If-None-Match, HTTP Range with 206/416) with fixed content types,
    hiding dot files such as half-written temporary files. A request with a valid, unexpired
    signature gets any file; one without gets only what `is_public` allows; the rest is 404."""

    def __init__(self, *, directory: Path, signer: UrlSigner, is_public: IsPublic) -> None:
        super().__init__(directory=directory)
        self.signer = signer
        self.is_public = is_public

    async def get_response(self, path: str, scope: Scope) -> Response:
        if any(part.startswith(".") for part in Path(path).parts):
            raise HTTPException(status_code=404)
        if not await self.allowed(path, scope):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)

    async def allowed(self, key: str, scope: Scope) -> bool:
        query = dict(QueryParams(scope.get("query_string", b"")))
        if "signature" in query or "expires" in query:
            return self.signer.verify(key, query.get("expires", ""), query.get("signature", ""))
        return await self.is_public(key)

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        content_type = CONTENT_TYPES.get(Path(full_path).suffix.lower(), "application/octet-stream")
        response = super().file_response(full_path, stat_result, scope, status_code)
        if isinstance(response, FileResponse):
            response.media_type = content_type
            response.headers["content-type"] = content_type
        response.headers["x-content-type-options"] = "nosniff"
        return response


def media_app(media_dir: Path, signer: UrlSigner, is_public: IsPublic = _everything_public) -> Starlette:
    """The ASGI app serving ``media_dir``; mount it at ``/media`` (``Mount("/media", media_app(...))``)."""
    media_dir.mkdir(parents=True, exist_ok=True)
    # Inside a Starlette app, so that a missing file is a 404 response rather than an exception.
    files = MediaFiles(directory=media_dir, signer=signer, is_public=is_public)
    return Starlette(routes=[Mount("/", app=files)])
