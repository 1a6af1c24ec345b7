"""Where media files go: a directory served by the API at ``/media``, or an S3-compatible bucket.

Keys are relative paths of plain segments (``videos/<uuid>/video.mp4``): letters, digits,
``.``, ``_`` and ``-``, never starting with a dot, so a key can neither climb out of its
root nor need escaping in a URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9._-]*"
_KEY = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
MAX_KEY_LENGTH = 512

if TYPE_CHECKING:
    from settings import Settings


class InvalidKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"invalid storage key {key!r}: expected segments of [A-Za-z0-9._-] joined by '/'")
        self.key = key


def validate_key(key: str) -> str:
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidKey(key)
    return key


@dataclass(frozen=True)
class StoredObject:
    key: str
    url: str
    size_bytes: int
    sha256: str
    content_type: str


class Storage(Protocol):
    async def put_file(self, key: str, path: Path, content_type: str) -> StoredObject: ...

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject: ...

    async def delete(self, key: str) -> None: ...

    def url(self, key: str) -> str: ...

    def signed_url(self, key: str, ttl_seconds: int) -> str:
        """A URL that serves `key` to whoever holds it, for `ttl_seconds`, public or not."""
        ...


def build_storage(
    kind: str,
    *,
    media_dir: Path,
    public_base_url: str,
    url_signing_secret: str,
    s3_bucket: str,
    s3_endpoint_url: str | None,
    s3_region: str,
) -> Storage:
    """Build the storage named by the ``STORAGE`` setting (``directory`` or ``s3``)."""
    # Imported here so that a directory deployment never imports boto3.
    if kind == "directory":
        from workers.storage.directory import DirectoryStorage

        return DirectoryStorage(media_dir, public_base_url=public_base_url, url_signing_secret=url_signing_secret)
    if kind == "s3":
        from workers.storage.s3 import S3Storage

        return S3Storage(bucket=s3_bucket, endpoint_url=s3_endpoint_url, region=s3_region)
    raise ValueError(f"unknown storage {kind!r}: expected directory or s3")


def storage_for(settings: Settings) -> Storage:
    """The storage the settings describe."""
    return build_storage(
        settings.storage,
        media_dir=settings.media_dir,
        public_base_url=settings.public_base_url,
        url_signing_secret=settings.url_signing_secret,
        s3_bucket=settings.s3_bucket,
        s3_endpoint_url=settings.s3_endpoint_url,
        s3_region=settings.s3_region,
    )
