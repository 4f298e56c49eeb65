"""Where the blobs live: one `Store` interface (base.py), on the local disk or in S3."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from media.settings import MediaSettings
from media.store.base import Store
from media.store.disk import DiskStore
from media.store.measured import MeasuredStore
from media.store.s3 import open_s3_store


@asynccontextmanager
async def open_store(settings: MediaSettings) -> AsyncIterator[Store]:
    """S3 when an endpoint is set, the local disk otherwise."""
    if settings.s3_endpoint_url is None:
        yield MeasuredStore(DiskStore(settings.media_storage_dir / "blobs"), "disk")
        return
    async with open_s3_store(settings) as store:
        yield MeasuredStore(store, "s3")
