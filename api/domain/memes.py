"""The meme lifecycle, keeping rows and stored pictures consistent.

A meme row refers to a stored picture only: the picture goes to the media service first, and
the rows that refer to it commit after (api.domain.holds_and_outbox). A picture no meme uses
any more is released in the transaction of the change that left it unused (so an error answer
means nothing changed), and deleted from storage after it, through the outbox of deletions, so
a media service that is down never keeps a meme from being deleted or changed.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiopg

from api.db import bans, holds_and_outbox, idempotency, memes
from api.db.sql import Row, transaction
from api.domain import pictures
from api.domain.holds_and_outbox import delete_soon, release_with_change, store_then_write
from api.domain.idempotency import IdempotentCreate, earlier_answer
from api.domain.owners import digest, new_edit_token
from api.errors import PictureBanned, PictureTooLarge
from api.imaging.clean import CleanImage, clean_image
from api.services import Services
from api.values.meme_text import MemeText
from common.limits import largest_blob


async def get(services: Services, meme_id: int, hidden: bool = False) -> Row:
    """The meme with this id (its JSON under "json"), or NotFound (a hidden meme too, unless
    `hidden`: a moderator asks). From the primary, never the replica: a meme is found the
    moment its create has answered (api.domain.reads)."""
    return await memes.get_meme(services.db, meme_id, hidden)


@asynccontextmanager
async def _cleaned(services: Services, upload: Path) -> AsyncIterator[CleanImage]:
    """The upload decoded and re-encoded clean, in a file next to it for the block's length;
    PictureTooLarge if media would not store it (common.limits), before it is sent."""
    target = upload.with_name(upload.name + ".clean")
    try:
        limits = services.settings.image_limits()
        image = await services.image_workers.run(clean_image, upload, target, limits)
        if image.size > (largest := largest_blob(services.settings.max_upload_bytes)):
            raise PictureTooLarge(
                f"The picture is {image.size} bytes once cleaned (re-encoded without its"
                f" metadata), more than the {largest} bytes storage takes"
            )
        await _refuse_banned(services, image)
        yield image
    finally:
        target.unlink(missing_ok=True)


async def _refuse_banned(
    services: Services, image: CleanImage, cur: aiopg.Cursor | None = None
) -> None:
    """PictureBanned if a moderator banned this picture or one it is a near copy of: before
    anything is stored, and again in the transaction that writes the rows (`cur`), for a
    ban made while the picture was being stored (its picture is then let go)."""
    distance = services.settings.ban_distance
    if await bans.banned(cur or services.db, image.sha256, image.copy_hash, distance):
        raise PictureBanned("A moderator banned this picture: it cannot be posted")


class _KeyTaken(Exception):
    """A create with the same Idempotency-Key committed first."""


async def create(
    services: Services,
    text: MemeText,
    upload: Path,
    idempotent: IdempotentCreate | None = None,
    sensitive: bool = False,
) -> tuple[Row, str, bool]:
    """A new meme with the picture spooled at `upload`, its edit token, and whether it was
    made by an earlier request with the same idempotency key (`idempotent`); `sensitive`:
    its poster marked it so (api.domain.sensitive)."""
    if idempotent and (earlier := await earlier_answer(services, idempotent)):
        return *earlier, True
    token = idempotent.edit_token(services) if idempotent else new_edit_token()
    token_digest = digest(token)

    async def write(cur: aiopg.Cursor) -> Row:
        await _refuse_banned(services, image, cur)
        mark = "poster" if sensitive else None
        meme = await memes.insert_meme(cur, text, image, token_digest, mark)
        if idempotent and not await idempotency.record(
            cur, idempotent.client, idempotent.key, idempotent.fingerprint, meme["id"]
        ):
            raise _KeyTaken()  # rolls this one back: its twin's meme stands
        return meme

    try:
        async with _cleaned(services, upload) as image:
            meme = await store_then_write(services, image.sha256, image.path, write)
    except _KeyTaken:
        return *await earlier_answer(services, idempotent), True
    return meme, token, False


async def replace(
    services: Services,
    meme_id: int,
    text: MemeText,
    upload: Path | None,
    also: memes.Also | None = None,
) -> Row:
    """New words for the meme, and a new picture if `upload` is given; `also` writes more in
    the same transaction (a sensitive mark: api.domain.sensitive). The request was authorized:
    a hidden meme only gets here from a moderator."""
    if upload is None:
        return await memes.update_meme_text(services.db, meme_id, text, also)
    await memes.get_meme(services.db, meme_id, hidden=True)  # a 404 before the upload
    async with _cleaned(services, upload) as image:

        async def write(cur: aiopg.Cursor) -> tuple[Row, str, list[str]]:
            await _refuse_banned(services, image, cur)
            meme, old_sha256 = await memes.update_meme_with_image(cur, meme_id, text, image, also)
            if old_sha256 == image.sha256:
                return meme, old_sha256, []
            return meme, old_sha256, await release_with_change(cur, old_sha256)

        meme, old_sha256, released = await store_then_write(
            services, image.sha256, image.path, write
        )
    pictures.forget(services, meme_id, old_sha256, released)
    delete_soon(services, released)
    return meme


async def delete(
    services: Services,
    meme_id: int,
    also: Callable[[aiopg.Cursor, str], Awaitable[None]] | None = None,
) -> None:
    """Delete the meme; `also(cursor, sha256)` writes more in the same transaction (the
    moderation log, a ban): all of it is done, or none."""
    async with transaction(services.db) as cur:
        # The picture's lock first, as a create of the same picture takes it: before the meme's
        # delete locks the count of memes (one row that every create and delete updates), or
        # the two would wait for each other.
        await holds_and_outbox.lock(cur, [await memes.picture_of(cur, meme_id)])
        sha256 = await memes.delete_meme(cur, meme_id)  # another, if a PUT just changed it
        if also is not None:
            await also(cur, sha256)
        released = await release_with_change(cur, sha256)
    pictures.forget(services, meme_id, sha256, released)
    delete_soon(services, released)
