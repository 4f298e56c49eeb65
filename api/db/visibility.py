"""What a list shows of the memes' visibility (migration 0014): the public memes to everyone,
the hidden ones, or all, to moderators; and whether sensitive memes are left out (0018).
Hidden memes are few: found, and counted, through their partial index (memes_hidden)."""

from psycopg2 import sql as pg

from api.db.memes import NOT_SENSITIVE
from api.db.sql import Fragment, fragment
from api.values.listing import Listing

# The hidden memes by id: a test of an index's own column, so that a scan of the order's
# index to an offset stays index-only (visibility is in no index of the orders).
NOT_HIDDEN = fragment("m.id NOT IN (SELECT id FROM memes WHERE visibility = 'hidden')")
# The number of memes of a list without filters: the counter of every meme, kept exact by
# triggers (migration 0002), less the hidden ones unless the list shows `all`. Counting them
# at read time needs no trigger on a hide, a restore, or the delete of a hidden meme. It rides
# along with a first page (api.db.listing): one round trip for most pages.
TOTALS = {
    "public": pg.SQL(
        "(SELECT memes FROM meme_count) - (SELECT count(*) FROM memes WHERE visibility = 'hidden')"
    ),
    "all": pg.SQL("(SELECT memes FROM meme_count)"),
}


def shown(listing: Listing) -> list[Fragment]:
    """The conditions a listing's memes meet for what it shows: none for `all` memes."""
    visibility = listing.visibility
    met = [] if visibility == "all" else [fragment("m.visibility = %s", visibility)]
    return met + ([fragment(NOT_SENSITIVE)] if listing.sensitive is False else [])


def skipped(visibility: str) -> list[Fragment]:
    """The condition of the memes an offset counts (api.db.filters.from_offset)."""
    return [NOT_HIDDEN] if visibility == "public" else []
