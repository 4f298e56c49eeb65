"""The meme lifecycle, keeping rows and blobs consistent.

A meme row exists only if its blob is stored: the blob goes to the media service first, the
rows are inserted in a transaction after, and a blob that no row took is deleted again. A blob
is deleted only after the last row using it is gone. Everything that changes who refers to a
blob runs under that blob's lock (`db.blob_lock`), so concurrent uploads of one picture and
deletions of its last meme cannot cross.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiopg
from aiohttp import web

from api import db
from api.images import CleanImage, clean_image
from api.keys import IMAGE_WORKERS, MEDIA, POOL, SETTINGS
from api.models import MemeText
from api.uploads import SpooledImage

log = logging.getLogger(__name__)


@asynccontextmanager
async def _cleaned(app: web.Application, upload: SpooledImage) -> AsyncIterator[CleanImage]:
    """The upload decoded and re-encoded clean, in a file next to it for the block's length."""
    target = upload.path.with_name(upload.path.name + ".clean")
    try:
        limits = app[SETTINGS].image_limits()
        yield await app[IMAGE_WORKERS].run(clean_image, upload.path, target, limits)
    finally:
        target.unlink(missing_ok=True)


@asynccontextmanager
async def _stored(app: web.Application, image: CleanImage) -> AsyncIterator[aiopg.Connection]:
    """Store the blob and hold its lock; if the block fails, a blob it stored goes again."""
    async with db.blob_lock(app[POOL], image.sha256) as conn:
        had_blob = await db.blob_exists(conn, image.sha256)
        if not had_blob:  # a picture already stored is not sent again
            await app[MEDIA].put(image.sha256, image.path, image.size)
        try:
            yield conn
        except BaseException:
            if not had_blob:
                await app[MEDIA].delete(image.sha256)
            raise


async def create(app: web.Application, text: MemeText, upload: SpooledImage) -> db.Row:
    async with _cleaned(app, upload) as image, _stored(app, image) as conn:
        return await db.insert_meme(conn, text, image)


async def replace(
    app: web.Application, meme_id: int, text: MemeText, upload: SpooledImage | None
) -> db.Row:
    pool = app[POOL]
    if upload is None:
        return await db.update_meme_text(pool, meme_id, text)
    await db.get_meme(pool, meme_id)  # a 404 before the upload, not after
    async with _cleaned(app, upload) as image:
        async with _stored(app, image) as conn:
            meme, old_sha256 = await db.update_meme_with_image(conn, meme_id, text, image)
        if old_sha256 != image.sha256:
            await release_blob(app, old_sha256)
    return meme


async def delete(app: web.Application, meme_id: int) -> None:
    meme = await db.get_meme(app[POOL], meme_id)
    # Fail before deleting anything when the media service is down.
    await app[MEDIA].exists(meme["sha256"])
    sha256 = await db.delete_meme(app[POOL], meme_id)
    await release_blob(app, sha256)


async def release_blob(app: web.Application, sha256: str) -> bool:
    """Delete the blob if no meme uses it any more; returns whether it was deleted.

    Runs after the row change has committed. Should the media service fail here, the blob
    row stays behind without a meme, and `python -m api gc` deletes it later.
    """
    async with db.blob_lock(app[POOL], sha256) as conn:
        if await db.blob_in_use(conn, sha256):
            return False
        thumbnails = await db.thumbnails_of(conn, sha256)
        # Someone may have uploaded another picture's thumbnail: then the object stays.
        if not await db.is_a_thumbnail(conn, sha256):
            try:
                await app[MEDIA].delete(sha256)
            except Exception:
                log.warning("blob %s is unused but could not be deleted; left for gc", sha256)
                return False
        await db.delete_blob(conn, sha256)  # and its thumbnails' rows
        for thumbnail in thumbnails:
            if not await db.blob_in_storage_use(conn, thumbnail):
                await _delete_quietly(app, thumbnail)
        return True


async def _delete_quietly(app: web.Application, sha256: str) -> None:
    try:
        await app[MEDIA].delete(sha256)
    except Exception:
        # Nothing refers to it any more; a stray thumbnail costs a few KiB of storage.
        log.warning("thumbnail %s could not be deleted", sha256)
