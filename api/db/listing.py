"""The listing query builder: a page of memes for a `Listing`, from its start or after a meme.
The conditions of its filters (api.db.filters) are composed with the sort order and the page,
so a listing reads as the SQL it becomes."""

from collections.abc import Callable
from functools import lru_cache, partial

import aiopg
from psycopg2 import sql as pg

from api.db import filters
from api.db.memes import MEME_JSON, MEME_ROW
from api.db.sql import (
    EMPTY,
    Database,
    Fragment,
    Row,
    compose,
    cursor,
    fetch_all,
    fetch_value,
    fragment,
    join,
    where,
)
from api.db.tags import tag_ids
from api.db.visibility import TOTALS
from api.values.listing import LISTINGS_REMEMBERED, RELEVANCE, After, Listing

BIGINT_MAX = 2**63 - 1
SELECT = """
SELECT m.id, {meme_json}, {sort_key} AS sort_key
  FROM {memes} m JOIN blobs b ON b.sha256 = m.image_sha256 {meme_row}
{where}
 ORDER BY {column} {direction}, m.id {direction}"""


def _select(
    conditions: list[Fragment],
    order: filters.Order,
    sort_key: Fragment | None = None,
    memes: Fragment | None = None,
) -> Fragment:
    return compose(
        SELECT,
        meme_json=MEME_JSON,
        meme_row=MEME_ROW,
        sort_key=sort_key or order.column,
        memes=memes or pg.SQL("memes"),
        where=where(conditions),
        column=order.column,
        direction=filters.direction(order),
    )


def listing_query(
    listing: Listing,
    ids: dict[str, int],
    after: After | None = None,
    page: tuple[int, int] | None = None,
) -> Fragment:
    """The SELECT of a listing in a sort order of its own (not by relevance) as one statement;
    `page` (limit, offset) keeps to one page, its offset skipped in the index alone if no
    filter. The planner picks its plan: right without filters, a gamble with (WALK_PER_ROW)."""
    order = filters.ORDERS[listing.sort]
    conditions = filters.conditions(listing, ids)
    if after is not None:
        conditions.append(order.after(after.key, after.id))
    if page is not None and page[1] and not listing.filtered and after is None:
        conditions.append(filters.from_offset(order, page[1], listing.visibility))
        page = (page[0], 0)
    limit = EMPTY if page is None else filters.page_limit(*page)
    return compose("{query}{limit}", query=_select(conditions, order), limit=limit)


# A filtered page is read one of two ways, and neither is right for every filter. Walking the
# memes in the page's order and testing each stops at the page's end: cheap when the filter
# matches many, but for a word that is in no meme it reads them all (5 s at 10 million). Reading
# every match through the indexes (GIN for words, meme_tags for tags) and sorting them costs
# what the matches number: cheap for a rare word, seconds for a common one. The planner cannot
# tell which it faces (it estimates a word it has no statistics for, and takes two words for
# independent, which "distracted boyfriend" is not), so a page first walks a bounded number of
# memes, and reads the matches only when the walk did not fill the page (or, for a search,
# when its rarest word is known to be in few memes): the matches are then few.
WALK_PER_ROW = 250  # memes walked per meme the page needs: a filter rarer than 1 in 250 ...
WALK_MAX = 20_000  # ... or than a page in this many memes is read through its matches, ...
WALK_DEEP = 20  # ... but a page deep in (an offset, an export's batch) walks 20 memes a meme


def _walk(
    conditions: list[Fragment],
    order: filters.Order,
    after: After | None,
    page: tuple[int, int],
    sort_key: Fragment | None = None,
) -> Fragment:
    """The memes meeting `conditions` among the first memes in `order` after `after`."""
    first = compose(
        "(SELECT * FROM memes m {where} ORDER BY {column} {direction}, m.id {direction}"
        " LIMIT {walked})",
        where=where([] if after is None else [order.after(after.key, after.id)]),
        column=order.column,
        direction=filters.direction(order),
        walked=fragment(
            "%s", min(sum(page) * WALK_PER_ROW, max(WALK_MAX, sum(page) * WALK_DEEP), BIGINT_MAX)
        ),
    )
    return compose(
        "{query}{limit}",
        query=_select(conditions, order, sort_key, memes=first),
        limit=filters.page_limit(*page),
    )


def _gathered(
    branches: list[list[Fragment]],
    order: filters.Order,
    after: After | None,
    page: tuple[int, int],
    sort_key: Fragment | None = None,
) -> Fragment:
    """Every meme meeting the conditions of one of `branches`, found through the indexes
    (MATERIALIZED: planned to be read whole, never walked in order), then sorted."""
    keyset = [] if after is None else [order.after(after.key, after.id)]
    matches = join(
        " UNION ALL ",
        [
            compose(
                "SELECT m.id, {column} AS key FROM memes m {where}",
                column=order.column,
                where=where([*conditions, *keyset]),
            )
            for conditions in branches
        ],
    )
    return compose(
        "WITH matches AS MATERIALIZED ({matches}),"
        " page AS (SELECT id FROM matches ORDER BY key {direction}, id {direction}{needed})"
        " {query}{limit}",
        matches=matches,
        direction=filters.direction(order),
        needed=fragment(" LIMIT %s", min(sum(page), BIGINT_MAX)),
        query=_select([fragment("m.id IN (SELECT id FROM page)")], order, sort_key),
        limit=filters.page_limit(*page),
    )


Branches = Callable[[str | None], list[list[Fragment]]]  # given the word to look up, if any


async def _filtered_page(
    cur: aiopg.Cursor,
    branches: Branches,
    rarest: tuple[str | None, bool],
    order: filters.Order,
    after: After | None,
    page: tuple[int, int],
    sort_key: Fragment | None = None,
) -> tuple[list[Row], bool]:
    """A page of the memes in `branches` (disjoint), and whether a walk filled it."""
    indexed, few = rarest
    if not few:
        anyone = join(" OR ", [filters.all_of(branch) for branch in branches(None)])
        walk = _walk([compose("({a})", a=anyone)], order, after, page, sort_key)
        if len(rows := await fetch_all(cur, walk)) >= page[0]:
            return rows, True
    return await fetch_all(cur, _gathered(branches(indexed), order, after, page, sort_key)), False


async def _relevant_page(
    cur: aiopg.Cursor,
    listing: Listing,
    ids: dict[str, int],
    rarest: tuple[str | None, bool],
    after: After | None,
    page: tuple,
) -> tuple[list[Row], bool]:
    """The tiers one after the other, each as a filtered page, until the page is full."""
    limit, offset = page
    rows: list[Row] = []
    walked = True  # no tier read: the count walks first
    for place, (tier, _) in enumerate(filters.tiers(listing, ids)):
        tier_after = None
        if after is not None:
            after_tier, after_created_at = after.key
            if tier > after_tier:
                continue
            if tier == after_tier:
                tier_after = After(after_created_at, after.id)
        if tier == -1 and not await filters.any_picture(cur, listing.search):
            break
        tier_page = (min(limit + offset, BIGINT_MAX) - len(rows), 0)
        sort_key = fragment("json_build_array(%s, m.created_at)", tier)
        branches = partial(filters.tier, listing, ids, place)
        found, walked = await _filtered_page(
            cur, branches, rarest, filters.NEWEST, tier_after, tier_page, sort_key
        )
        rows += found
        if len(rows) >= limit + offset:
            break
    return rows[offset : offset + limit], walked


def _page_query(listing: Listing, ids: dict, after: After | None, page: tuple, count: bool):
    query = listing_query(listing, ids, after, page)
    if count:  # only lists without filters come here
        query = compose(
            "SELECT page.*, {total} AS total FROM ({query}) AS page",
            total=TOTALS[listing.visibility],
            query=query,
        )
    return query


@lru_cache(maxsize=LISTINGS_REMEMBERED)
def _first_page_query(
    listing: Listing, ids: tuple[tuple[str, int], ...], page: tuple[int, int], count: bool
) -> Fragment:
    """Composed once per listing, tags' ids (a tag made since is a new key) and page."""
    return _page_query(listing, dict(ids), None, page, count)


async def page_of_memes(
    db: Database, listing: Listing, limit: int, offset: int, after: After | None, count: bool
) -> tuple[list[Row], int | None]:
    """One page (pages are small: at most 100 rows and one to look ahead) and, if `count`,
    the number of memes in the listing: exact, or None when a filter matches COUNT_CAP+
    (api.db.filters)."""
    async with cursor(db) as cur:
        ids = await tag_ids(cur, [*listing.tags_all, *listing.tags_any])
        if listing.filtered:
            found = await filters.rarest(cur, listing.search) if listing.search else (None, False)
            if listing.sort == RELEVANCE:
                rows, walked = await _relevant_page(
                    cur, listing, ids, found, after, (limit, offset)
                )
            else:
                branches = partial(filters.branches, listing, ids)
                order, page = filters.ORDERS[listing.sort], (limit, offset)
                rows, walked = await _filtered_page(cur, branches, found, order, after, page)
            total = await filters.count(cur, listing, ids, walked, found[0]) if count else None
            return rows, total
        if after is None:  # a first page (or an offset's): asked for again and again
            query = _first_page_query(listing, tuple(sorted(ids.items())), (limit, offset), count)
        else:
            query = _page_query(listing, ids, after, (limit, offset), count)
        rows = await fetch_all(cur, query)
        if not count or rows:
            return rows, (rows[0]["total"] if count else None)
        return rows, await fetch_value(cur, compose("SELECT {t}", t=TOTALS[listing.visibility]))
