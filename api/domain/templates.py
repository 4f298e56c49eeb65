"""Templates: a page of them, most used first, with signed cursors as the memes' pages have;
one template; and the backfill of the pictures processed before templates existed."""

from collections.abc import Callable

from api.db import templates
from api.domain import backfills
from api.domain.reads import on_replica
from api.errors import NotFound
from api.imaging.features import template_of
from api.services import Services
from api.values.listing import TEMPLATES, decode_cursor, encode_cursor
from api.values.row import Row


async def page(services: Services, limit: int, cursor: str | None) -> tuple[list[Row], str | None]:
    """`limit` templates after `cursor` (the `next` of the page before), and the next cursor."""
    key = services.settings.cursor_key()
    after = None
    if cursor is not None:
        position = decode_cursor(cursor, TEMPLATES, key)
        after = (position.key, position.id)
    rows = await on_replica(services, templates.template_page, after, limit + 1)
    next_cursor = None
    if len(rows) > limit:
        del rows[limit:]
        next_cursor = encode_cursor(TEMPLATES, rows[-1]["sort_key"], rows[-1]["id"], key)
    return [_shown(row) for row in rows], next_cursor


async def one(services: Services, template_id: int) -> Row:
    row = await on_replica(services, templates.get_template, template_id)
    if row is None:
        raise NotFound(f"No template has id {template_id}")
    return _shown(row)


def _shown(row: Row) -> Row:
    return {name: row[name] for name in ("id", "memes", "example", "example_url")}


async def backfill(
    services: Services, progress: Callable[[int, int], None], limit: int | None = None
) -> int:
    """Give a template to every picture processed before templates (at most `limit`): its
    template hash from its bytes, then its template, one picture per transaction. Calls
    `progress(done, total)` after each picture; returns how many it did."""
    settings = services.settings

    async def store(sha256: str, signature: int) -> bool:
        return await templates.backfilled(
            services.db, sha256, signature, settings.template_distance, settings.repost_words
        )

    return await backfills.backfill(
        services, progress, limit, what="template hash",
        count_left=templates.count_without_template_hash, left=templates.without_template_hash,
        compute=template_of, store=store,
    )  # fmt: skip
