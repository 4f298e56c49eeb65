"""What a listing's memes must meet, as SQL conditions, and the orders they come in: each a
`Fragment` with its own values, composed with the sort order and the page by api.db.listing.
"""

from dataclasses import dataclass
from typing import Any

import aiopg
from psycopg2 import sql as pg

from api.db.sql import Fragment, compose, fetch_all, fetch_value, fragment, join, where
from api.db.templates import TEMPLATE_PICTURES
from api.db.visibility import shown, skipped
from api.imaging.features import MIN_SUFFIX
from api.values.listing import Listing

# Filtered totals are counted up to here; past it, counting costs more than the page.
COUNT_CAP = 100
# Memes read in order, at most, before a count reads the matches instead (see api.db.listing).
COUNT_WALK = 20_000


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


def page_limit(limit: int, offset: int) -> Fragment:
    return fragment(" LIMIT %s OFFSET %s", limit, offset)


def from_offset(order: Order, offset: int, visibility: str = "public") -> Fragment:
    """The memes from the `offset`-th on in `order` (of those shown), by an index-only scan."""
    return compose(
        "({column}, m.id) {compare}= (SELECT {column}, m.id FROM memes m {where}"
        " ORDER BY {column} {direction}, m.id {direction} OFFSET {offset} LIMIT 1)",
        column=order.column,
        compare=pg.SQL("<" if order.descending else ">"),
        where=where(skipped(visibility)),
        direction=direction(order),
        offset=fragment("%s", offset),
    )


def matches(words: tuple[str, ...], weight: str = "", indexed: str | None = None) -> Fragment:
    """Every word as a prefix; `weight` "A" keeps to the title (see the search column).
    With `indexed`, only that word is looked up in the index, the others tested in the rows
    it finds: GIN gathers every meme of a prefix before it intersects, 200 ms for `cat:*`."""
    query = " & ".join(f"{word}:*{weight}" for word in words)
    if indexed is None or len(words) == 1:
        return fragment("m.search @@ to_tsquery('simple', %s)", query)
    return fragment(
        "(m.search @@ to_tsquery('simple', %s) AND (m.search @@ to_tsquery('simple', %s)) IS TRUE)",
        f"{indexed}:*{weight}",
        query,
    )


# Each word's share of memes (as a prefix), from ANALYZE's most common words; 0 if too rare.
WORD_SHARES = """
SELECT word, coalesce((SELECT sum(e.share) FROM unnest(s.most_common_elems::text::text[],
                                                      s.most_common_elem_freqs) AS e (lexeme, share)
                        WHERE starts_with(e.lexeme, word)), 0) AS share
  FROM unnest(%(words)s::text[]) AS word
  LEFT JOIN pg_stats s ON s.schemaname = 'public' AND s.tablename = 'memes'
                      AND s.attname = 'search'"""


FEW = 5_000  # memes holding a search's rarest word under which a page reads the matches at once
FEW_MEMES = """SELECT count(*) < %(few)s FROM (SELECT FROM memes m
 WHERE m.search @@ to_tsquery('simple', %(word)s) LIMIT %(few)s) AS found"""


async def rarest(cur: aiopg.Cursor, words: tuple[str, ...]) -> tuple[str, bool]:
    """The word of `words` fewest memes hold, by the statistics (the longest, among those
    too rare for them), and whether it is in fewer than FEW memes (then counted in the
    index: cheap, since the statistics know every word held by many)."""
    rows = await fetch_all(cur, WORD_SHARES, {"words": list(words)})
    word = min(rows, key=lambda row: (row["share"], -len(row["word"])))
    if word["share"] > 0:
        return word["word"], False
    return word["word"], await fetch_value(
        cur, FEW_MEMES, {"word": f"{word['word']}:*", "few": FEW}
    )


def _pictures(words: tuple[str, ...]) -> Fragment:
    """The pictures holding every word in the text read in them (picture_features.search
    holds its lines' suffixes too, so a word is found inside a run of words the OCR did not
    space). A word shorter than MIN_SUFFIX looks only among the words read (weight A): `on`
    is inside the letters of most lines (`MONDAY`)."""
    query = " & ".join(f"{word}:*{'' if len(word) >= MIN_SUFFIX else 'A'}" for word in words)
    return fragment(
        "SELECT f.sha256 FROM picture_features f WHERE f.search @@ to_tsquery('simple', %s)", query
    )


def in_picture(words: tuple[str, ...]) -> Fragment:
    return compose("m.image_sha256 IN ({pictures})", pictures=_pictures(words))


async def any_picture(cur: aiopg.Cursor, words: tuple[str, ...]) -> bool:
    """Whether any picture holds the words: most searches find none, and then the memes
    matched by their pictures alone need no reading."""
    return await fetch_value(cur, compose("SELECT EXISTS ({p})", p=_pictures(words)))


def _search(words: tuple[str, ...]) -> Fragment:
    """Every word in the meme's words, or every word in its picture's."""
    return compose("({words} OR {picture})", words=matches(words), picture=in_picture(words))


def _has_processing(state: str) -> Fragment:
    if state == "pending":
        return fragment("NOT EXISTS (SELECT FROM picture_jobs j WHERE j.sha256 = m.image_sha256"
                        " AND j.state IN ('done', 'failed'))")  # fmt: skip
    return fragment("EXISTS (SELECT FROM picture_jobs j WHERE j.sha256 = m.image_sha256"
                    " AND j.state = %s)", state)  # fmt: skip


def _has_tag(tag_id: Fragment) -> Fragment:
    return compose(
        "EXISTS (SELECT FROM meme_tags mt WHERE mt.meme_id = m.id AND mt.tag_id {tag_id})",
        tag_id=tag_id,
    )


def filters(listing: Listing, ids: dict[str, int]) -> list[Fragment]:
    """The conditions of every filter but the search words."""
    met = shown(listing) + [
        _has_tag(fragment("= %s", ids.get(tag, 0)))  # a tag nobody uses: no id 0, no match
        for tag in listing.tags_all
    ]
    if listing.tags_any:
        any_ids = [ids[tag] for tag in listing.tags_any if tag in ids]
        met.append(_has_tag(fragment("= ANY (%s::integer[])", any_ids)))
    if listing.sha256:
        met.append(fragment("m.image_sha256 = %s", listing.sha256))
    if listing.processing:
        met.append(_has_processing(listing.processing))
    if listing.template:  # its pictures' memes (the pictures of a template: an index read)
        met.append(fragment(f"m.image_sha256 IN ({TEMPLATE_PICTURES})", listing.template))
    return met


def conditions(listing: Listing, ids: dict[str, int]) -> list[Fragment]:
    search = [_search(listing.search)] if listing.search else []
    return search + filters(listing, ids)


def direction(order: Order) -> pg.Composable:
    return pg.SQL("DESC" if order.descending else "ASC")


def tiers(
    listing: Listing, ids: dict[str, int], indexed: str | None = None
) -> list[tuple[int, list[Fragment]]]:
    """The tiers of a search by relevance, best first: memes with every word in the title,
    then the other matches of the meme's words, then memes matched only by the words in their
    picture, each newest first. Each is read in order and stops at the page's end, where
    ranking every match with ts_rank would read them all (250 ms for a common word)."""
    in_title = matches(listing.search, "A", indexed)
    in_words = matches(listing.search, "", indexed)
    # Every word in the title implies every word somewhere: the first tier tests only that,
    # so that the planner does not take the two tests for independent and misjudge the count.
    return [
        (1, [*filters(listing, ids), in_title]),
        (0, [*filters(listing, ids), in_words, compose("NOT {t}", t=in_title)]),
        (
            -1,
            [*filters(listing, ids), in_picture(listing.search), compose("NOT {w}", w=in_words)],
        ),
    ]


def branches(
    listing: Listing, ids: dict[str, int], indexed: str | None = None
) -> list[list[Fragment]]:
    """The listing's memes as disjoint sets, each the memes meeting every condition of its
    list, so that each can be found through an index (an OR of a word and a picture cannot:
    the planner reads the whole table for it)."""
    if not listing.search:
        return [filters(listing, ids)]
    return [met for _, met in tiers(listing, ids, indexed)]


def tier(listing: Listing, ids: dict[str, int], place: int, indexed: str | None) -> list:
    return [tiers(listing, ids, indexed)[place][1]]


def all_of(conditions: list[Fragment]) -> Fragment:
    return compose("({all})", all=join(" AND ", conditions)) if conditions else fragment("true")


async def count(
    cur: aiopg.Cursor, listing: Listing, ids: dict[str, int], common: bool, indexed: str | None
) -> int | None:
    """The number of memes in a filtered listing, or None from COUNT_CAP on: walking first
    when the filter is `common` (see WALK_PER_ROW), else from the matches."""
    cap = fragment("LIMIT %s", COUNT_CAP)
    walk = compose(
        "SELECT count(*) FROM (SELECT FROM (SELECT * FROM memes m ORDER BY m.created_at DESC,"
        " m.id DESC LIMIT {walked}) AS m {where} {cap}) AS matches",
        walked=fragment("%s", COUNT_WALK),
        where=where(conditions(listing, ids)),
        cap=cap,
    )
    total = await fetch_value(cur, walk) if common else 0
    if total < COUNT_CAP:
        every = join(
            " UNION ALL ",
            [
                compose("SELECT FROM memes m {where}", where=where(met))
                for met in branches(listing, ids, indexed)
            ],
        )
        total = await fetch_value(
            cur,
            compose(
                "WITH matches AS MATERIALIZED ({every})"
                " SELECT count(*) FROM (SELECT FROM matches {cap}) AS capped",
                every=every,
                cap=cap,
            ),
        )
    return total if total < COUNT_CAP else None
