"""Which picture a request names, and the bytes of small hot ones, through the picture cache
(api.picture_cache): the rows for a second at most, the bytes by their sha256 for good. A
change of this process forgets the rows it changed (`forget`); a row remembered may still name
a picture another process deleted since: read it again, `fresh`, before answering 404."""

from collections.abc import Iterable

from api.db.blobs import get_blob
from api.db.memes import get_meme
from api.domain.thumbnails import thumbnail
from api.errors import NotFound
from api.imaging.thumbnails import SIZES
from api.services import Services
from api.values.row import Row


async def of_meme(
    services: Services, meme_id: int, fresh: bool = False, hidden: bool = False
) -> Row:
    """The picture of a meme: its meme row, which holds the picture's columns too. NotFound
    if the meme is hidden, unless `hidden` (a moderator asks): the row is remembered whatever
    the meme's visibility, and the visibility tested on every request."""
    meme = await services.picture_cache.row(
        ("meme", meme_id), lambda: get_meme(services.db, meme_id, hidden=True), fresh
    )
    if meme["visibility"] == "hidden" and not hidden:
        raise NotFound(f"No meme has id {meme_id}")
    return meme


async def by_sha256(services: Services, sha256: str, fresh: bool = False) -> Row:
    """A picture that some public meme shows, or NotFound."""
    return await services.picture_cache.row(
        ("blob", sha256), lambda: get_blob(services.db, sha256), fresh
    )


async def in_size(services: Services, picture: Row, size: str, fresh: bool = False) -> Row:
    """The picture itself (`original`), or its thumbnail of `size`, made now if there is none."""
    if size == "original":
        return picture
    return await services.picture_cache.row(
        ("thumbnail", picture["sha256"], size), lambda: thumbnail(services, picture, size), fresh
    )


def forget(services: Services, meme_id: int, old_sha256: str, deleted: Iterable[str]) -> None:
    """After a change of the meme's picture (or its deletion) commits: the rows that named the
    old picture, and the bytes of the objects `deleted` (the picture's, its thumbnails')."""
    rows = [("meme", meme_id), ("blob", old_sha256)]
    rows += [("thumbnail", old_sha256, size) for size in SIZES]
    services.picture_cache.forget(rows, deleted)


async def cached_bytes(services: Services, sha256: str) -> bytes:
    """The picture's bytes from the cache, or from media into the cache."""
    if (data := services.picture_cache.get(sha256)) is not None:
        return data
    data = await services.media.read(sha256)  # never a truncated picture: kept and sent whole
    services.picture_cache.put(sha256, data)
    return data
