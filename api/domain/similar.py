"""Memes related to a meme: its very picture, reposts of it (within `REPOST_DISTANCE` bits of
its perceptual hash) and memes of its template (the same template, or template hashes within
`TEMPLATE_DISTANCE` bits); the search itself is api.db.similar."""

from api.db.similar import RELATIONS, similar_memes
from api.errors import NotFound
from api.services import Services
from api.values.row import Row


async def similar(
    services: Services, meme_id: int, limit: int, relation: str | None = None
) -> tuple[str, list[Row]]:
    """The processing state of the meme's picture, and the memes related to it, each with its
    `distance` and `relation` (only `relation` when given); NotFound when no meme has this id."""
    settings = services.settings
    relations = [relation] if relation else list(RELATIONS)
    target, rows = await similar_memes(
        services.db,
        meme_id,
        settings.repost_distance,
        settings.template_distance,
        relations,
        limit,
    )
    if target is None:
        raise NotFound(f"No meme has id {meme_id}")
    return target["processing"], [{**row, "relation": RELATIONS[row["rank"]]} for row in rows]
