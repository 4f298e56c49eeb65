"""Every resource the media service uses, opened in one place by its cleanup context: the
store (S3 or the local disk) and this process's spool directory for uploads arriving."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from common.scratch import scratch_dir
from media.settings import MediaSettings
from media.store import open_store
from media.store.base import Store


@dataclass(frozen=True)
class MediaServices:
    settings: MediaSettings
    store: Store
    spool: Path  # this process's own scratch directory (common.scratch)


@asynccontextmanager
async def open_services(settings: MediaSettings) -> AsyncIterator[MediaServices]:
    # Uploads spool next to the blobs (a rename puts them in place on the local disk); the
    # spools of a killed process are swept here.
    with scratch_dir(settings.media_storage_dir / "spool", "media") as spool:
        async with open_store(settings) as store:
            yield MediaServices(settings, store, spool)
