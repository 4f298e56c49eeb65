"""Memes related to a meme: its very picture, reposts of it (its template with its words) and
memes of its template (other words), as its picture's job found them (api.db.templates); the
search itself is api.db.similar."""

from api.db.similar import RELATIONS, similar_memes
from api.errors import NotFound
from api.services import Services
from api.values.row import Row


async def similar(
    services: Services,
    meme_id: int,
    limit: int,
    relation: str | None = None,
    hidden: bool = False,
) -> tuple[str, list[Row]]:
    """The processing state of the meme's picture, and the memes related to it, each with its
    `distance` and `relation` (only `relation` when given); NotFound when no meme has this id.
    Hidden memes, the meme itself or those related to it, are for `hidden` (a moderator)."""
    relations = [relation] if relation else list(RELATIONS)
    target, rows = await similar_memes(services.db, meme_id, relations, limit, hidden)
    if target is None:
        raise NotFound(f"No meme has id {meme_id}")
    return target["processing"], [{**row, "relation": RELATIONS[row["rank"]]} for row in rows]
