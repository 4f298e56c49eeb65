"""Memes whose pictures look like a meme's, within `SIMILAR_DISTANCE` bits of its perceptual
hash (the search itself is api.db.similar)."""

from api.db.similar import similar_memes
from api.errors import NotFound
from api.services import Services
from api.values.row import Row


async def similar(services: Services, meme_id: int, limit: int) -> tuple[str, list[Row]]:
    """The processing state of the meme's picture, and the memes nearest to it (each with
    its `distance`); NotFound when no meme has this id."""
    distance = services.settings.similar_distance
    target, rows = await similar_memes(services.db, meme_id, distance, limit)
    if target is None:
        raise NotFound(f"No meme has id {meme_id}")
    return target["processing"], rows
