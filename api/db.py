"""Every SQL statement of the api. Functions take a pool or connection and return plain rows."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiopg

from api.errors import NotFound
from api.images import CleanImage
from api.listing import RELEVANCE, After, Listing
from api.models import MemeText

Row = dict[str, Any]

# A meme as the API shows it (the Meme model), serialised by PostgreSQL: parsing every column
# into Python objects and serialising them again cost a third of a list page's time.
MEME_JSON = """(
    SELECT row_to_json(meme)::text FROM (SELECT
        m.id, m.title, m.description, string_to_array(m.tags_text, ' ') AS tags,
        m.created_at, m.updated_at,
        '/memes/' || m.id || '/image' AS image_url, '/images/' || b.sha256 AS content_url,
        b.content_type, b.size, b.width, b.height, b.sha256
    ) AS meme
) AS json"""
MEME_COLUMNS = f"""
       m.id, b.sha256, b.content_type, b.size, b.created_at AS stored_at,
       {MEME_JSON}"""
MEME_SELECT = f"""
SELECT {MEME_COLUMNS}
  FROM memes m
  JOIN blobs b ON b.sha256 = m.image_sha256
"""

INSERT_BLOB = """
INSERT INTO blobs (sha256, content_type, size, width, height)
VALUES (%(sha256)s, %(content_type)s, %(size)s, %(width)s, %(height)s)
ON CONFLICT (sha256) DO NOTHING
"""


def _rows(cursor, rows) -> list[Row]:
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row)) for row in rows]


async def _one_meme(cursor, meme_id: int) -> Row:
    await cursor.execute(MEME_SELECT + " WHERE m.id = %(id)s", {"id": meme_id})
    rows = _rows(cursor, await cursor.fetchall())
    if not rows:
        raise NotFound(f"No meme has id {meme_id}")
    return rows[0]


async def get_meme(pool: aiopg.Pool, meme_id: int) -> Row:
    async with pool.acquire() as conn, conn.cursor() as cursor:
        return await _one_meme(cursor, meme_id)


# Each sort: the column it orders by, the direction, and the type of its cursor value.
ORDERS = {
    "-created_at": ("m.created_at", "DESC", "timestamptz"),
    "created_at": ("m.created_at", "ASC", "timestamptz"),
    "-title": ("m.title", "DESC", "text"),
    "title": ("m.title", "ASC", "text"),
}
HAS_TAG = "EXISTS (SELECT 1 FROM meme_tags mt WHERE mt.meme_id = m.id AND mt.tag_id {})"
# Filtered totals are counted up to here; past it, counting costs more than the page.
COUNT_CAP = 100


def _tsquery(words: tuple[str, ...], weight: str = "") -> str:
    """Every word as a prefix; `weight` "A" keeps to the title (see the search column)."""
    return " & ".join(f"{word}:*{weight}" for word in words)


async def _tag_ids(cursor, view: Listing) -> dict[str, int]:
    """The ids of the listing's tags. They go into the query as values, not as a subquery, so
    that the planner sees how common each tag is and picks its plan accordingly."""
    names = [*view.tags_all, *view.tags_any]
    if not names:
        return {}
    await cursor.execute("SELECT name, id FROM tags WHERE name = ANY (%(names)s)", {"names": names})
    return dict(await cursor.fetchall())


def _conditions(view: Listing, params: Row, tag_ids: dict[str, int]) -> list[str]:
    """The WHERE conditions of a listing; their values go into `params`."""
    conditions = []
    if view.search:
        params["search"] = _tsquery(view.search)
        conditions.append("m.search @@ to_tsquery('simple', %(search)s)")
    for n, tag in enumerate(view.tags_all):
        params[f"tag_{n}"] = tag_ids.get(tag, 0)  # a tag nobody uses: no id 0, no match
        conditions.append(HAS_TAG.format(f"= %(tag_{n})s"))
    if view.tags_any:
        params["tags_any"] = [tag_ids[tag] for tag in view.tags_any if tag in tag_ids]
        conditions.append(HAS_TAG.format("= ANY (%(tags_any)s::integer[])"))
    if view.sha256:
        params["sha256"] = view.sha256
        conditions.append("m.image_sha256 = %(sha256)s")
    return conditions


def _keyset(key: str, direction: str, cast: str, after_key: Any, after_id: int, params: Row) -> str:
    params["after_key"], params["after_id"] = after_key, after_id
    compare = "<" if direction == "DESC" else ">"
    return f"({key}, m.id) {compare} (%(after_key)s::{cast}, %(after_id)s)"


def _select(conditions: list[str], key: str, direction: str, sort_key: str | None = None) -> str:
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    return (
        f"SELECT m.id, {MEME_JSON}, {sort_key or key} AS sort_key"
        f" FROM memes m JOIN blobs b ON b.sha256 = m.image_sha256"
        f" {where} ORDER BY {key} {direction}, m.id {direction}"
    )


def _listing_sql(
    view: Listing,
    params: Row,
    tag_ids: dict[str, int],
    after: After | None = None,
    paged: bool = False,
) -> str:
    """The listing's SELECT; `paged` adds LIMIT %(limit)s OFFSET %(offset)s."""
    page = " LIMIT %(limit)s OFFSET %(offset)s" if paged else ""
    conditions = _conditions(view, params, tag_ids)
    if view.sort != RELEVANCE:
        key, direction, cast = ORDERS[view.sort]
        if after is not None:
            conditions.append(_keyset(key, direction, cast, after.key, after.id, params))
        return _select(conditions, key, direction) + page
    # Relevance in two tiers: memes with every word in the title, then the other matches,
    # each tier newest first. Both tiers are index walks that stop at the page's end, where
    # ranking every match with ts_rank would read them all (250 ms for a common word).
    params["title_search"] = _tsquery(view.search, "A")
    in_title = "m.search @@ to_tsquery('simple', %(title_search)s)"
    others = [condition for condition in conditions if "%(search)s" not in condition]
    branches = []
    # Every word in the title implies every word somewhere: the first tier tests only that,
    # so that the planner does not take the two tests for independent and misjudge the count.
    for tier, tier_conditions in ((1, [*others, in_title]), (0, [*conditions, f"NOT {in_title}"])):
        if after is not None:
            after_tier, after_created_at = after.key
            if tier > after_tier:
                continue
            if tier == after_tier:
                tier_conditions.append(
                    _keyset(
                        "m.created_at", "DESC", "timestamptz", after_created_at, after.id, params
                    )
                )
        sort_key = f"json_build_array({tier}, m.created_at)"
        branch = _select(tier_conditions, "m.created_at", "DESC", sort_key)
        branches.append(f"({branch}{' LIMIT %(limit)s + %(offset)s' if paged else ''})")
    # No ORDER BY over the union: the executor's Append reads its branches in order (the
    # api's connections run no parallel plans), so the second tier is read only when the first
    # runs out, while a Sort here would read both tiers whole.
    return f"SELECT * FROM ({' UNION ALL '.join(branches)}) AS matches" + page


async def page_of_memes(
    pool: aiopg.Pool, view: Listing, limit: int, offset: int, after: After | None, count: bool
) -> tuple[list[Row], int | None]:
    """One page (pages are small: at most 100 rows and one to look ahead) and, if `count`,
    the number of memes in the listing: exact, or None when a filter matches COUNT_CAP+."""
    params: Row = {"limit": limit, "offset": offset}
    async with pool.acquire() as conn, conn.cursor() as cursor:
        tag_ids = await _tag_ids(cursor, view)
        sql = _listing_sql(view, params, tag_ids, after, paged=True)
        if count and not view.filtered:
            # The counter rides along with the page: one round trip for the common case.
            sql = f"SELECT page.*, (SELECT memes FROM meme_count) AS total FROM ({sql}) AS page"
        await cursor.execute(sql, params)
        rows = _rows(cursor, await cursor.fetchall())
        if not count:
            return rows, None
        if not view.filtered:
            if rows:
                return rows, rows[0]["total"]
            await cursor.execute("SELECT memes FROM meme_count")  # kept exact by triggers
            (total,) = await cursor.fetchone()
            return rows, total
        params = {"cap": COUNT_CAP}
        conditions = " AND ".join(_conditions(view, params, tag_ids))
        await cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM memes m WHERE {conditions} LIMIT %(cap)s) AS c",
            params,
        )
        (total,) = await cursor.fetchone()
        return rows, (total if total < COUNT_CAP else None)


async def stream_memes(
    pool: aiopg.Pool, view: Listing, batch_size: int
) -> AsyncIterator[list[Row]]:
    """Every meme of the listing, in batches from a server-side cursor: memory stays flat."""
    async with pool.acquire() as conn, conn.cursor() as cursor:
        params: Row = {}
        sql = _listing_sql(view, params, await _tag_ids(cursor, view))
        async with cursor.begin():
            await cursor.execute(f"DECLARE export NO SCROLL CURSOR FOR {sql}", params)
            while batch := _rows(cursor, await _fetch(cursor, "export", batch_size)):
                yield batch


async def _fetch(cursor, name: str, batch_size: int) -> list[tuple]:
    await cursor.execute(f"FETCH %(n)s FROM {name}", {"n": batch_size})
    return await cursor.fetchall()


async def stream_tags(pool: aiopg.Pool, batch_size: int) -> AsyncIterator[list[Row]]:
    """The tags in use with their meme counts, most used first."""
    async with pool.acquire() as conn, conn.cursor() as cursor:
        async with cursor.begin():
            await cursor.execute(
                "DECLARE tag_counts NO SCROLL CURSOR FOR"
                " SELECT t.name, count(*) AS memes FROM meme_tags mt JOIN tags t ON t.id = mt.tag_id"
                " GROUP BY t.name ORDER BY memes DESC, t.name"
            )
            while batch := _rows(cursor, await _fetch(cursor, "tag_counts", batch_size)):
                yield batch


@asynccontextmanager
async def blob_lock(pool: aiopg.Pool, sha256: str) -> AsyncIterator[aiopg.Connection]:
    """Hold a lock on one picture: every change of who refers to a blob happens under it."""
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (sha256,))
        try:
            yield conn
        finally:
            await cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (sha256,))


async def blob_exists(conn: aiopg.Connection, sha256: str) -> bool:
    async with conn.cursor() as cursor:
        await cursor.execute("SELECT 1 FROM blobs WHERE sha256 = %s", (sha256,))
        return await cursor.fetchone() is not None


async def blob_in_use(conn: aiopg.Connection, sha256: str) -> bool:
    async with conn.cursor() as cursor:
        await cursor.execute("SELECT 1 FROM memes WHERE image_sha256 = %s LIMIT 1", (sha256,))
        return await cursor.fetchone() is not None


async def delete_blob(conn: aiopg.Connection, sha256: str) -> None:
    async with conn.cursor() as cursor:
        await cursor.execute("DELETE FROM blobs WHERE sha256 = %s", (sha256,))


async def get_blob(pool: aiopg.Pool, sha256: str) -> Row:
    """A stored picture, if a meme uses it."""
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(
            "SELECT sha256, content_type, size, width, height, created_at AS stored_at"
            " FROM blobs b WHERE sha256 = %s AND EXISTS (SELECT 1 FROM memes WHERE image_sha256 = b.sha256)",
            (sha256,),
        )
        rows = _rows(cursor, await cursor.fetchall())
    if not rows:
        raise NotFound("No meme has this picture")
    return rows[0]


THUMBNAIL_COLUMNS = """sha256, 'image/webp' AS content_type, bytes AS size, width, height,
       created_at AS stored_at"""


async def get_thumbnail(conn: aiopg.Connection, blob_sha256: str, size: str) -> Row | None:
    async with conn.cursor() as cursor:
        await cursor.execute(
            f"SELECT {THUMBNAIL_COLUMNS} FROM thumbnails WHERE blob_sha256 = %s AND size = %s",
            (blob_sha256, size),
        )
        rows = _rows(cursor, await cursor.fetchall())
    return rows[0] if rows else None


async def insert_thumbnail(
    conn: aiopg.Connection,
    blob_sha256: str,
    size: str,
    sha256: str,
    length: int,
    width: int,
    height: int,
) -> Row:
    async with conn.cursor() as cursor:
        await cursor.execute(
            "INSERT INTO thumbnails (blob_sha256, size, sha256, bytes, width, height)"
            f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {THUMBNAIL_COLUMNS}",
            (blob_sha256, size, sha256, length, width, height),
        )
        return _rows(cursor, await cursor.fetchall())[0]


async def thumbnails_of(conn: aiopg.Connection, blob_sha256: str) -> list[str]:
    async with conn.cursor() as cursor:
        await cursor.execute("SELECT sha256 FROM thumbnails WHERE blob_sha256 = %s", (blob_sha256,))
        return [sha256 for (sha256,) in await cursor.fetchall()]


async def is_a_thumbnail(conn: aiopg.Connection, sha256: str) -> bool:
    async with conn.cursor() as cursor:
        await cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM thumbnails WHERE sha256 = %s)", (sha256,)
        )
        (found,) = await cursor.fetchone()
        return found


async def blob_in_storage_use(conn: aiopg.Connection, sha256: str) -> bool:
    """Whether a picture or a thumbnail is stored under this key."""
    async with conn.cursor() as cursor:
        await cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = %(k)s)"
            " OR EXISTS (SELECT 1 FROM thumbnails WHERE sha256 = %(k)s)",
            {"k": sha256},
        )
        (used,) = await cursor.fetchone()
        return used


async def unused_blobs(pool: aiopg.Pool) -> list[str]:
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute(
            "SELECT sha256 FROM blobs b"
            " WHERE NOT EXISTS (SELECT 1 FROM memes m WHERE m.image_sha256 = b.sha256)"
        )
        return [sha256 for (sha256,) in await cursor.fetchall()]


def _blob_params(image: CleanImage) -> Row:
    return {
        "sha256": image.sha256,
        "size": image.size,
        "content_type": image.content_type,
        "width": image.width,
        "height": image.height,
    }


def _text_params(meme_id: int | None, text: MemeText) -> Row:
    return {
        "id": meme_id,
        "title": text.title,
        "description": text.description,
        "tags": text.tags,
        "tags_text": " ".join(text.tags),
    }


async def _set_tags(cursor, params: Row) -> None:
    """The meme's rows in meme_tags; tags.name is unique, so concurrent writers share a tag."""
    await cursor.execute("DELETE FROM meme_tags WHERE meme_id = %(id)s", params)
    if params["tags"]:
        await cursor.execute(
            "INSERT INTO tags (name) SELECT unnest(%(tags)s::text[]) ON CONFLICT (name) DO NOTHING",
            params,
        )
        await cursor.execute(
            "INSERT INTO meme_tags (meme_id, tag_id)"
            " SELECT %(id)s, id FROM tags WHERE name = ANY(%(tags)s)",
            params,
        )


async def insert_meme(conn: aiopg.Connection, text: MemeText, image: CleanImage) -> Row:
    params = _text_params(None, text) | {"sha256": image.sha256}
    async with conn.cursor() as cursor:
        async with cursor.begin():
            await cursor.execute(INSERT_BLOB, _blob_params(image))
            await cursor.execute(
                "INSERT INTO memes (title, description, tags_text, image_sha256)"
                " VALUES (%(title)s, %(description)s, %(tags_text)s, %(sha256)s) RETURNING id",
                params,
            )
            (params["id"],) = await cursor.fetchone()
            await _set_tags(cursor, params)
            return await _one_meme(cursor, params["id"])


UPDATE_TEXT = """
UPDATE memes SET title = %(title)s, description = %(description)s, tags_text = %(tags_text)s,
                 updated_at = now()
 WHERE id = %(id)s
"""


async def update_meme_text(pool: aiopg.Pool, meme_id: int, text: MemeText) -> Row:
    params = _text_params(meme_id, text)
    async with pool.acquire() as conn, conn.cursor() as cursor:
        async with cursor.begin():
            await cursor.execute(UPDATE_TEXT, params)
            if cursor.rowcount == 0:
                raise NotFound(f"No meme has id {meme_id}")
            await _set_tags(cursor, params)
            return await _one_meme(cursor, meme_id)


async def update_meme_with_image(
    conn: aiopg.Connection, meme_id: int, text: MemeText, image: CleanImage
) -> tuple[Row, str]:
    """Replace words and picture; returns the meme and the sha256 of the picture it had."""
    params = _text_params(meme_id, text) | {"sha256": image.sha256}
    async with conn.cursor() as cursor:
        async with cursor.begin():
            await cursor.execute(
                "SELECT image_sha256 FROM memes WHERE id = %(id)s FOR UPDATE", params
            )
            found = await cursor.fetchone()
            if found is None:
                raise NotFound(f"No meme has id {meme_id}")
            await cursor.execute(INSERT_BLOB, _blob_params(image))
            await cursor.execute(
                "UPDATE memes SET image_sha256 = %(sha256)s WHERE id = %(id)s", params
            )
            await cursor.execute(UPDATE_TEXT, params)
            await _set_tags(cursor, params)
            return await _one_meme(cursor, meme_id), found[0]


async def delete_meme(pool: aiopg.Pool, meme_id: int) -> str:
    """Delete the meme; returns the sha256 of its picture."""
    async with pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute("DELETE FROM memes WHERE id = %s RETURNING image_sha256", (meme_id,))
        found = await cursor.fetchone()
        if found is None:
            raise NotFound(f"No meme has id {meme_id}")
        return found[0]
