"""Which picture a request names, and the bytes of small hot ones, through the picture cache
(api.picture_cache): the rows for a second at most, the bytes by their sha256 for good. A
change of this process forgets the rows it changed (`forget`); a row remembered may still name
a picture another process deleted since: read it again, `fresh`, before answering 404."""

from collections.abc import Iterable, Sequence

from api.db.blobs import get_blob
from api.db.memes import get_meme
from api.domain.thumbnails import thumbnail
from api.errors import NotFound
from api.imaging import thumbnails, variants
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


# The pictures that may be animations: at `page` size they stay one.
ANIMATABLE = ("image/gif", "image/webp")


def variant_format(size: str, content_type: str, accepted: Sequence[str]) -> str:
    """The format of the picture's `size` (not `original`) for a client that `accepted` these
    of `avif` and `webp` (the most wanted first): one of those, `plain` (JPEG or PNG), or
    `original` when the picture itself serves (a GIF, at page size, to a client without WebP:
    it stays animated)."""
    if size in thumbnails.SIZES:
        return "webp"  # the older sizes, whatever the client accepts
    if size in variants.FITS and content_type in ANIMATABLE:
        if "webp" in accepted:  # an animated WebP (AVIF animations: not all browsers)
            return "webp"
        return "original" if content_type == "image/gif" else "plain"
    return accepted[0] if accepted else "plain"


def negotiated(size: str) -> bool:
    """Whether what `size` serves depends on the client's `Accept`."""
    return size in variants.SIZES


async def in_size(
    services: Services, picture: Row, size: str, accepted: Sequence[str] = (), fresh: bool = False
) -> Row:
    """The picture itself (`original`), or its variant of `size` in the format the client
    `accepted` best (variant_format), made now if there is none."""
    if size == "original":
        return picture
    format = variant_format(size, picture["content_type"], accepted)
    if format == "original":
        return picture
    return await services.picture_cache.row(
        ("thumbnail", picture["sha256"], size, format),
        lambda: thumbnail(services, picture, size, format),
        fresh,
    )


def forget(services: Services, meme_id: int, old_sha256: str, deleted: Iterable[str]) -> None:
    """After a change of the meme's picture (or its deletion) commits: the rows that named the
    old picture, and the bytes of the objects `deleted` (the picture's, its thumbnails')."""
    rows = [("meme", meme_id), ("blob", old_sha256)]
    rows += [("thumbnail", old_sha256, size, "webp") for size in thumbnails.SIZES]
    rows += [
        ("thumbnail", old_sha256, size, format)
        for size in variants.SIZES
        for format in variants.FORMATS
    ]
    services.picture_cache.forget(rows, deleted)


async def cached_bytes(services: Services, sha256: str) -> bytes:
    """The picture's bytes from the cache, or from media into the cache."""
    if (data := services.picture_cache.get(sha256)) is not None:
        return data
    data = await services.media.read(sha256)  # never a truncated picture: kept and sent whole
    services.picture_cache.put(sha256, data)
    return data
