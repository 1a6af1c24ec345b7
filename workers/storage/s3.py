"""Media in an S3-compatible bucket, through boto3 in worker threads.

URLs: with ``endpoint_url`` (MinIO, R2, a local moto) path-style ``{endpoint}/{bucket}/{key}``;
without, AWS virtual-hosted style ``https://{bucket}.s3.{region}.amazonaws.com/{key}``. Either
way the objects must be publicly readable (a bucket policy, or a CDN in front) for clients to
play them. Credentials come from boto3's usual chain (environment, config files, instance
role) unless passed explicitly.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]  # no stubs installed (boto3-stubs is not a dependency)
from botocore.config import Config  # type: ignore[import-untyped]  # same

from workers.media import sha256_file
from workers.storage.base import StoredObject, validate_key


class S3Storage:
    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self.region = region
        session = boto3.session.Session(
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            region_name=region,
        )
        # boto3 >= 1.36 adds CRC checksums to every upload, which several S3-compatible stores
        # reject; send them only when an operation requires them (the sha256 is kept as metadata).
        config = Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"mode": "standard", "max_attempts": 5},
            s3={"addressing_style": "path" if endpoint_url else "virtual"},
        )
        # A client is thread-safe (a session is not): built once, shared by the worker threads.
        self._client: Any = session.client("s3", endpoint_url=endpoint_url, config=config)

    def url(self, key: str) -> str:
        validate_key(key)
        if self.endpoint_url:
            return f"{self.endpoint_url}/{self.bucket}/{key}"
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{key}"

    def signed_url(self, key: str, ttl_seconds: int) -> str:
        """A presigned GET: works whatever the bucket policy, until it expires."""
        params = {"Bucket": self.bucket, "Key": validate_key(key)}
        url: str = self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_seconds)
        return url

    async def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        validate_key(key)

        def upload() -> tuple[int, str]:
            sha256 = sha256_file(path)
            with path.open("rb") as body:
                self._put(key, body, content_type, sha256)
            return path.stat().st_size, sha256

        size, sha256 = await asyncio.to_thread(upload)
        return StoredObject(key, self.url(key), size, sha256, content_type)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        validate_key(key)
        sha256 = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._put, key, data, content_type, sha256)
        return StoredObject(key, self.url(key), len(data), sha256, content_type)

    async def delete(self, key: str) -> None:
        validate_key(key)
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=key)

    def _put(self, key: str, body: object, content_type: str, sha256: str) -> None:
        self._client.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, Metadata={"sha256": sha256}
        )
