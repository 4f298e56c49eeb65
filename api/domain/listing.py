"""Reading memes in bulk: a page of a listing (its rows, the cursor to the next page and the
total), every meme of a listing, and the tags in use, the last two in batches of short
queries. The list view and the export speak HTTP only: which rows a page holds, where it
ends and what it counts are decided here. Each query reads from the replica when one is set
(api.domain.reads)."""

import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from api.db import listing as db_listing
from api.db import memes, tags
from api.domain.reads import on_replica
from api.services import Services
from api.values.listing import After, Listing, decode_cursor, encode_cursor, listing
from api.values.row import Row


@dataclass(frozen=True)
class Page:
    rows: list[Row]  # each meme's JSON as PostgreSQL wrote it, under "json"
    total: int | None  # None on pages reached with a cursor: counting costs more than the page
    next_cursor: str | None  # None on the last page


async def page(
    services: Services, listing: Listing, limit: int, offset: int, cursor: str | None
) -> Page:
    """`limit` memes of `listing`, after `cursor` (the `next` of the previous page) and then
    `offset` more. One row more than asked tells whether another page follows."""
    key = services.settings.cursor_key()
    after = None if cursor is None else decode_cursor(cursor, listing, key)
    rows, total = await on_replica(
        services, db_listing.page_of_memes, listing, limit + 1, offset, after, cursor is None
    )
    next_cursor = None
    if len(rows) > limit:
        del rows[limit:]
        next_cursor = encode_cursor(listing, rows[-1]["sort_key"], rows[-1]["id"], key)
    return Page(rows, total, next_cursor)


async def every_meme(services: Services, listing: Listing) -> AsyncGenerator[list[Row]]:
    """Every meme of `listing`, in its order, `EXPORT_BATCH_SIZE` at a time. Each batch is a
    short query of its own after the last meme of the batch before (as the pages of `next`
    cursors are), so nothing holds a database connection while a batch is written out to a
    client that may read slowly or not at all."""
    size, after = services.settings.export_batch_size, None
    while True:
        rows, _ = await on_replica(
            services, db_listing.page_of_memes, listing, size, 0, after, False
        )
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = After(key=rows[-1]["sort_key"], id=rows[-1]["id"])


async def tags_in_use(services: Services) -> AsyncGenerator[list[Row]]:
    """The tags in use with their counts, most used first, `EXPORT_BATCH_SIZE` at a time, each
    batch a query of its own after the last tag of the batch before."""
    size, after = services.settings.export_batch_size, None
    while True:
        rows = await on_replica(services, tags.tag_counts, after, size)
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = rows[-1]


async def neighbours(services: Services, meme_id: int) -> tuple[Row | None, Row | None]:
    """The memes just newer and just older than this one in the gallery's first order (newest
    first, every public meme): what its page's "previous" and "next" open. NotFound if the
    meme does not exist or is hidden. Two one-row pages of the plain listing, each after
    this meme in its own direction."""
    meme = await memes.get_meme(services.db, meme_id)
    after = After(key=json.loads(meme["json"])["created_at"], id=meme_id)
    found = []
    for sort in ("created_at", "-created_at"):
        everything = listing(None, None, [], [], None, sort)
        rows, _ = await on_replica(
            services, db_listing.page_of_memes, everything, 1, 0, after, False
        )
        found.append(rows[0] if rows else None)
    newer, older = found
    return newer, older
