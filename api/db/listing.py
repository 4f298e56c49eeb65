"""The listing query builder: a page of memes for a `Listing`, from its start or after a meme.

Every filter is a `Fragment` with its own values; the query is composed from them, the sort
order and the page, so a listing reads as the SQL it becomes.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from psycopg2 import sql as pg

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
from api.imaging.features import MIN_SUFFIX
from api.values.listing import LISTINGS_REMEMBERED, RELEVANCE, After, Listing

# Filtered totals are counted up to here; past it, counting costs more than the page.
COUNT_CAP = 100
BIGINT_MAX = 2**63 - 1
SELECT = """
SELECT m.id, {meme_json}, {sort_key} AS sort_key
  FROM memes m JOIN blobs b ON b.sha256 = m.image_sha256 {meme_row}
{where}
 ORDER BY {column} {direction}, m.id {direction}"""


@dataclass(frozen=True)
class Order:
    column: pg.Composable
    descending: bool
    cast: pg.Composable  # of the cursor's sort key

    def after(self, key: Any, meme_id: int) -> Fragment:
        """The memes past (`key`, `meme_id`) in this order: a keyset condition."""
        return compose(
            "({column}, m.id) {compare} ({key}::{cast}, {id})",
            column=self.column,
            compare=pg.SQL("<" if self.descending else ">"),
            key=fragment("%s", key),
            cast=self.cast,
            id=fragment("%s", meme_id),
        )


NEWEST = Order(pg.SQL("m.created_at"), True, pg.SQL("timestamptz"))
ORDERS = {
    "-created_at": NEWEST,
    "created_at": Order(pg.SQL("m.created_at"), False, pg.SQL("timestamptz")),
    "-title": Order(pg.SQL("m.title"), True, pg.SQL("text")),
    "title": Order(pg.SQL("m.title"), False, pg.SQL("text")),
}


def _matches(words: tuple[str, ...], weight: str = "") -> Fragment:
    """Every word as a prefix; `weight` "A" keeps to the title (see the search column)."""
    query = " & ".join(f"{word}:*{weight}" for word in words)
    return fragment("m.search @@ to_tsquery('simple', %s)", query)


def _in_picture(words: tuple[str, ...]) -> Fragment:
    """Every word in the text read in the picture (picture_features.search holds its lines'
    suffixes too, so a word is found inside a run of words the OCR did not space). A word
    shorter than MIN_SUFFIX looks only among the words read (weight A): `on` is inside the
    letters of most lines (`MONDAY`)."""
    query = " & ".join(f"{word}:*{'' if len(word) >= MIN_SUFFIX else 'A'}" for word in words)
    matched = "SELECT f.sha256 FROM picture_features f WHERE f.search @@ to_tsquery"
    return fragment(f"m.image_sha256 IN ({matched}('simple', %s))", query)


def _search(words: tuple[str, ...]) -> Fragment:
    """Every word in the meme's words, or every word in its picture's."""
    return compose("({words} OR {picture})", words=_matches(words), picture=_in_picture(words))


def _has_processing(state: str) -> Fragment:
    if state == "pending":
        return fragment(
            "NOT EXISTS (SELECT FROM picture_jobs j WHERE j.sha256 = m.image_sha256"
            " AND j.state IN ('done', 'failed'))"
        )
    return fragment(
        "EXISTS (SELECT FROM picture_jobs j WHERE j.sha256 = m.image_sha256 AND j.state = %s)",
        state,
    )


def _has_tag(tag_id: Fragment) -> Fragment:
    return compose(
        "EXISTS (SELECT FROM meme_tags mt WHERE mt.meme_id = m.id AND mt.tag_id {tag_id})",
        tag_id=tag_id,
    )


def _filters(listing: Listing, ids: dict[str, int]) -> list[Fragment]:
    """The conditions of every filter but the search words."""
    filters = [
        _has_tag(fragment("= %s", ids.get(tag, 0)))  # a tag nobody uses: no id 0, no match
        for tag in listing.tags_all
    ]
    if listing.tags_any:
        any_ids = [ids[tag] for tag in listing.tags_any if tag in ids]
        filters.append(_has_tag(fragment("= ANY (%s::integer[])", any_ids)))
    if listing.sha256:
        filters.append(fragment("m.image_sha256 = %s", listing.sha256))
    if listing.processing:
        filters.append(_has_processing(listing.processing))
    return filters


def _conditions(listing: Listing, ids: dict[str, int]) -> list[Fragment]:
    search = [_search(listing.search)] if listing.search else []
    return search + _filters(listing, ids)


def _select(conditions: list[Fragment], order: Order, sort_key: Fragment | None = None) -> Fragment:
    return compose(
        SELECT,
        meme_json=MEME_JSON,
        meme_row=MEME_ROW,
        sort_key=sort_key or order.column,
        where=where(conditions),
        column=order.column,
        direction=pg.SQL("DESC" if order.descending else "ASC"),
    )


def _relevance(
    listing: Listing, ids: dict[str, int], after: After | None, limit: Fragment
) -> Fragment:
    """Three tiers: memes with every word in the title, then the other matches of the meme's
    words, then memes matched only by the words in their picture, each newest first. All are
    index walks that stop at the page's end, where ranking every match with ts_rank would
    read them all (250 ms for a common word)."""
    in_title, in_words = _matches(listing.search, "A"), _matches(listing.search)
    # Every word in the title implies every word somewhere: the first tier tests only that,
    # so that the planner does not take the two tests for independent and misjudge the count.
    tiers = {
        1: [*_filters(listing, ids), in_title],
        0: [*_filters(listing, ids), in_words, compose("NOT {t}", t=in_title)],
        -1: [*_filters(listing, ids), _in_picture(listing.search), compose("NOT {w}", w=in_words)],
    }
    branches = []
    for tier, conditions in tiers.items():
        if after is not None:
            after_tier, after_created_at = after.key
            if tier > after_tier:
                continue
            if tier == after_tier:
                conditions.append(NEWEST.after(after_created_at, after.id))
        sort_key = fragment("json_build_array(%s, m.created_at)", tier)
        branch = _select(conditions, NEWEST, sort_key)
        branches.append(compose("({branch}{limit})", branch=branch, limit=limit))
    # No ORDER BY over the union: the executor's Append reads its branches in order (the
    # api's connections run no parallel plans), so the second tier is read only when the first
    # runs out, while a Sort here would read both tiers whole.
    return compose("SELECT * FROM ({branches}) AS matches", branches=join(" UNION ALL ", branches))


def listing_query(
    listing: Listing,
    ids: dict[str, int],
    after: After | None = None,
    page: tuple[int, int] | None = None,
) -> Fragment:
    """The listing's SELECT; `page` (limit, offset) keeps to one page."""
    if page is None:
        limit, branch_limit = EMPTY, EMPTY
    else:
        limit = fragment(" LIMIT %s OFFSET %s", *page)
        # Added here, not in SQL: the sum of a large offset and the limit overflows a bigint.
        branch_limit = fragment(" LIMIT %s", min(sum(page), BIGINT_MAX))
    if listing.sort == RELEVANCE:
        query = _relevance(listing, ids, after, branch_limit)
    else:
        order = ORDERS[listing.sort]
        conditions = _conditions(listing, ids)
        if after is not None:
            conditions.append(order.after(after.key, after.id))
        query = _select(conditions, order)
    return compose("{query}{limit}", query=query, limit=limit)


def _page_query(listing: Listing, ids: dict, after: After | None, page: tuple, count: bool):
    query = listing_query(listing, ids, after, page)
    if count and not listing.filtered:
        # The counter, kept exact by triggers, rides along: one round trip for most pages.
        query = compose(
            "SELECT page.*, (SELECT memes FROM meme_count) AS total FROM ({query}) AS page",
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
    the number of memes in the listing: exact, or None when a filter matches COUNT_CAP+."""
    async with cursor(db) as cur:
        ids = await tag_ids(cur, [*listing.tags_all, *listing.tags_any])
        if after is None:  # a first page (or an offset's): asked for again and again
            query = _first_page_query(listing, tuple(sorted(ids.items())), (limit, offset), count)
        else:
            query = _page_query(listing, ids, after, (limit, offset), count)
        rows = await fetch_all(cur, query)
        if not count:
            return rows, None
        if not listing.filtered:
            if rows:
                return rows, rows[0]["total"]
            return rows, await fetch_value(cur, "SELECT memes FROM meme_count")
        total = await fetch_value(
            cur,
            compose(
                "SELECT count(*) FROM (SELECT FROM memes m {where} {cap}) AS matches",
                where=where(_conditions(listing, ids)),
                cap=fragment("LIMIT %s", COUNT_CAP),
            ),
        )
        return rows, (total if total < COUNT_CAP else None)
