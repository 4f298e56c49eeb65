"""Blobs in an S3-compatible bucket (MinIO in production) through aioboto3."""

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import aioboto3
import stamina
from aiobotocore.config import AioConfig
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from media.errors import BlobNotFound, StorageUnavailable
from media.settings import MediaSettings
from media.store.base import (
    CHUNK_BYTES,
    KEY_PATTERN,
    Blob,
    ByteRange,
    StoredObject,
)

log = logging.getLogger(__name__)
ABORT_LEFTOVER_UPLOADS = {
    "Rules": [
        {
            "ID": "abort-incomplete-multipart-uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        }
    ]
}
STARTUP_WAIT_SECONDS = 30
MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
# How MinIO (and other stores) refuse a lifecycle rule they do not support.
LIFECYCLE_REFUSED = {"MalformedXML", "NotImplemented", "InvalidRequest"}


@contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in MISSING:
            raise BlobNotFound() from None
        log.warning("S3 failed: %r", exc)
        raise StorageUnavailable(f"S3 answered {exc.response['Error'].get('Code')}") from exc
    except (BotoCoreError, OSError) as exc:
        log.warning("S3 unreachable: %r", exc)
        raise StorageUnavailable("S3 is unreachable") from exc


class S3Store:
    def __init__(self, client, bucket: str, multipart_threshold: int) -> None:
        self.client = client
        self.bucket = bucket
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_threshold,
            max_concurrency=2,
        )

    async def ensure_bucket(self) -> None:
        try:
            with _storage_errors():
                await self.client.head_bucket(Bucket=self.bucket)
        except BlobNotFound:
            with _storage_errors():
                await self.client.create_bucket(Bucket=self.bucket)
            await self._drop_leftover_uploads()

    async def _drop_leftover_uploads(self) -> None:
        """A multipart upload cut off with the store itself down cannot be aborted then; ask
        the store to drop such leftovers after a day. MinIO refuses the rule (it wants an
        Expiration or a Transition in every rule) and purges stale uploads by itself."""
        try:
            await self.client.put_bucket_lifecycle_configuration(
                Bucket=self.bucket, LifecycleConfiguration=ABORT_LEFTOVER_UPLOADS
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code not in LIFECYCLE_REFUSED:
                raise StorageUnavailable(f"S3 answered {code}") from exc
            log.info(
                "the store refused the lifecycle rule (%s); it purges stale uploads itself", code
            )

    async def put_file(self, key: str, path: Path) -> None:
        # upload_file sends one PUT below the threshold and a multipart upload above it,
        # aborting the multipart upload on any error.
        with _storage_errors():
            await self.client.upload_file(str(path), self.bucket, key, Config=self.transfer)

    async def size(self, key: str) -> int:
        with _storage_errors():
            head = await self.client.head_object(Bucket=self.bucket, Key=key)
        return head["ContentLength"]

    @asynccontextmanager
    async def open(self, key: str, part: ByteRange | None = None) -> AsyncIterator[Blob]:
        ranged = {} if part is None else {"Range": f"bytes={part.start}-{part.end}"}
        with _storage_errors():
            response = await self.client.get_object(Bucket=self.bucket, Key=key, **ranged)
        body = response["Body"]
        async with body:
            yield Blob(length=response["ContentLength"], chunks=_read_chunks(body))

    async def delete(self, key: str) -> None:
        with _storage_errors():
            await self.client.delete_object(Bucket=self.bucket, Key=key)

    async def list_after(self, after: str, limit: int) -> list[StoredObject]:
        with _storage_errors():
            page = await self.client.list_objects_v2(
                Bucket=self.bucket, StartAfter=after, MaxKeys=limit
            )
        return [
            StoredObject(item["Key"], item["Size"], item["LastModified"])
            for item in page.get("Contents", [])
            if KEY_PATTERN.fullmatch(item["Key"])
        ]

    async def check(self) -> None:
        with _storage_errors():
            await self.client.head_bucket(Bucket=self.bucket)


async def _read_chunks(body) -> AsyncIterator[bytes]:
    with _storage_errors():
        async for chunk in body.iter_chunks(CHUNK_BYTES):
            yield chunk


@asynccontextmanager
async def open_s3_store(settings: MediaSettings) -> AsyncIterator[S3Store]:
    def secret(value):
        return value.get_secret_value() if value else None

    config = AioConfig(
        connect_timeout=settings.s3_timeout_seconds,
        read_timeout=settings.s3_timeout_seconds,
        # botocore retries transient errors itself; three tries in all (`max_attempts` counts
        # the retries after the first) keep a dead store quick to report.
        retries={"max_attempts": 2, "mode": "standard"},
        signature_version="s3v4",
        s3={"addressing_style": "path"},
    )
    session = aioboto3.Session()
    async with session.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=secret(settings.s3_access_key_id),
        aws_secret_access_key=secret(settings.s3_secret_access_key),
        config=config,
    ) as client:
        store = S3Store(client, settings.s3_bucket, settings.s3_multipart_threshold_bytes)
        # A store restarting beside us (or answering SlowDown) gets a while to come up.
        async for attempt in stamina.retry_context(
            on=StorageUnavailable, attempts=None, timeout=STARTUP_WAIT_SECONDS
        ):
            with attempt:
                await store.ensure_bucket()
        yield store
