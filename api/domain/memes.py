"""The meme lifecycle, keeping rows and blobs consistent.

A meme row exists only if its blob is stored: the blob goes to the media service first, the
rows are inserted in a transaction after, and a blob that no row took is deleted again. A blob
is deleted only after the last row using it is gone. Everything that changes who refers to a
blob runs under that blob's lock (`blobs.blob_lock`), so concurrent uploads of one picture and
deletions of its last meme cannot cross.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiopg

from api.db import blobs, memes
from api.db.sql import Row
from api.domain.meme_text import MemeText
from api.imaging.clean import CleanImage, clean_image
from api.services import Services

log = logging.getLogger(__name__)


@asynccontextmanager
async def _cleaned(services: Services, upload: Path) -> AsyncIterator[CleanImage]:
    """The upload decoded and re-encoded clean, in a file next to it for the block's length."""
    target = upload.with_name(upload.name + ".clean")
    try:
        limits = services.settings.image_limits()
        yield await services.image_workers.run(clean_image, upload, target, limits)
    finally:
        target.unlink(missing_ok=True)


@asynccontextmanager
async def _stored(services: Services, image: CleanImage) -> AsyncIterator[aiopg.Cursor]:
    """Store the blob and hold its lock; if the block fails, a blob it stored goes again."""
    async with blobs.blob_lock(services.pool, image.sha256) as cur:
        had_blob = await blobs.blob_exists(cur, image.sha256)
        if not had_blob:  # a picture already stored is not sent again
            await services.media.put(image.sha256, image.path, image.size)
        try:
            yield cur
        except BaseException:
            if not had_blob:
                await services.media.delete(image.sha256)
            raise


async def create(services: Services, text: MemeText, upload: Path) -> Row:
    """A new meme with the picture spooled at `upload`."""
    async with _cleaned(services, upload) as image, _stored(services, image) as cur:
        return await memes.insert_meme(cur, text, image)


async def replace(services: Services, meme_id: int, text: MemeText, upload: Path | None) -> Row:
    """New words for the meme, and a new picture if `upload` is given."""
    if upload is None:
        return await memes.update_meme_text(services.pool, meme_id, text)
    await memes.get_meme(services.pool, meme_id)  # a 404 before the upload, not after
    async with _cleaned(services, upload) as image:
        async with _stored(services, image) as cur:
            meme, old_sha256 = await memes.update_meme_with_image(cur, meme_id, text, image)
        if old_sha256 != image.sha256:
            await release_blob(services, old_sha256)
    return meme


async def delete(services: Services, meme_id: int) -> None:
    meme = await memes.get_meme(services.pool, meme_id)
    # Fail before deleting anything when the media service is down.
    await services.media.exists(meme["sha256"])
    sha256 = await memes.delete_meme(services.pool, meme_id)
    await release_blob(services, sha256)


async def release_blob(services: Services, sha256: str) -> bool:
    """Delete the blob if no meme uses it any more; returns whether it was deleted.

    Runs after the row change has committed. Should the media service fail here, the blob
    row stays behind without a meme, and `python -m api gc` deletes it later.
    """
    async with blobs.blob_lock(services.pool, sha256) as cur:
        if await blobs.blob_in_use(cur, sha256):
            return False
        thumbnails = await blobs.thumbnails_of(cur, sha256)
        # Someone may have uploaded another picture's thumbnail: then the object stays.
        if not await blobs.is_a_thumbnail(cur, sha256):
            try:
                await services.media.delete(sha256)
            except Exception:
                log.warning("blob %s is unused but could not be deleted; left for gc", sha256)
                return False
        await blobs.delete_blob(cur, sha256)  # and its thumbnails' rows
        for thumbnail in thumbnails:
            if not await blobs.blob_in_storage_use(cur, thumbnail):
                await _delete_quietly(services, thumbnail)
        return True


async def _delete_quietly(services: Services, sha256: str) -> None:
    try:
        await services.media.delete(sha256)
    except Exception:
        # Nothing refers to it any more; a stray thumbnail costs a few KiB of storage.
        log.warning("thumbnail %s could not be deleted", sha256)
