"""Which picture a request names, and the bytes of small hot ones, through the picture cache
(api.picture_cache): the rows for a second at most, the bytes by their sha256 for good."""

from api.db.blobs import get_blob
from api.db.memes import get_meme
from api.domain.thumbnails import thumbnail
from api.services import Services
from api.values.row import Row


async def of_meme(services: Services, meme_id: int) -> Row:
    """The picture of a meme: its meme row, which holds the picture's columns too."""
    return await services.picture_cache.row(
        ("meme", meme_id), lambda: get_meme(services.db, meme_id)
    )


async def by_sha256(services: Services, sha256: str) -> Row:
    """A picture that some meme uses, or NotFound."""
    return await services.picture_cache.row(("blob", sha256), lambda: get_blob(services.db, sha256))


async def in_size(services: Services, picture: Row, size: str) -> Row:
    """The picture itself (`original`), or its thumbnail of `size`, made now if there is none."""
    if size == "original":
        return picture
    return await services.picture_cache.row(
        ("thumbnail", picture["sha256"], size), lambda: thumbnail(services, picture, size)
    )


async def cached_bytes(services: Services, sha256: str) -> bytes:
    """The picture's bytes from the cache, or from media into the cache."""
    if (data := services.picture_cache.get(sha256)) is not None:
        return data
    data = await services.media.read(sha256)  # never a truncated picture: kept and sent whole
    services.picture_cache.put(sha256, data)
    return data
