"""Bans that stick: a moderator's ban deletes a meme and puts its picture on the ban list, and
uploads of the same bytes or a near copy are refused (api.domain.memes, before anything is
stored). Every ban and unban is logged in the transaction that does it.

The other memes showing the very same picture (the same sha256: memes share a stored picture)
go with it, each logged as a `remove` naming the ban: they show the banned bytes themselves,
byte for byte, and a ban that left them up would ban nothing that is seen. Memes showing a near
copy of it stay: that they are copies is a guess of a hash, for a moderator to judge (their
`/similar` lists them as reposts).
"""

from collections.abc import Awaitable, Callable
from typing import Any

from api.db import bans, moderation, reports
from api.db.memes import delete_meme, get_meme
from api.db.sql import Row, transaction
from api.domain import memes
from api.errors import NotFound
from api.imaging.copies import copy_hash_of
from api.services import Services
from api.values.listing import BANS, decode_cursor, encode_cursor

TRIES = 3  # of a ban whose meme's picture a PUT changes meanwhile


class _PictureChanged(Exception):
    """The meme's picture changed between its hash and its ban: hash the new one."""


# More written in a ban's transaction (a report's close: api.domain.reports); returns what
# the log's entry says of it, under "reports".
Also = Callable[[Any], Awaitable[int]]


async def ban_meme(
    services: Services,
    meme_id: int,
    moderator: str,
    reason: str | None = None,
    also: Also | None = None,
) -> Row:
    """Delete the meme (hidden or not), with every other meme of its picture, and ban its
    picture: the ban."""
    for _ in range(TRIES - 1):
        try:
            return await _ban(services, meme_id, moderator, reason, also, strict=True)
        except _PictureChanged:
            continue
    return await _ban(services, meme_id, moderator, reason, also, strict=False)


async def ban(services: Services, meme_id: int, moderator: str, reason: str | None) -> Row:
    """A moderator's ban of a meme, reported or not (`POST /bans`): its open reports, if any,
    are closed by it."""

    async def close_open_reports(cur: Any) -> int:
        return await reports.close(cur, meme_id, moderator, "ban")

    return await ban_meme(services, meme_id, moderator, reason, also=close_open_reports)


async def _ban(
    services: Services,
    meme_id: int,
    moderator: str,
    reason: str | None,
    also: Also | None,
    strict: bool,
) -> Row:
    hashed = (await get_meme(services.db, meme_id, hidden=True))["sha256"]
    # The hash of the picture as stored: the same as an upload of it gets (api.imaging.clean).
    copy_hash = await services.image_workers.run(copy_hash_of, await services.media.read(hashed))
    ban: Row = {}
    others: list[int] = []

    async def banned(cur: Any, sha256: str) -> None:
        if sha256 != hashed and strict:
            raise _PictureChanged()  # rolls the delete back
        # The uploads in their last look wait for the ban; those past it are among the memes
        # of the picture now, removed with it.
        await bans.uploads_wait(cur)
        others.extend(await bans.memes_of_picture(cur, sha256))
        for other in others:
            await delete_meme(cur, other)
        # Not strict (the last try): the new picture's bytes with the old one's near-copy
        # hash; the bytes shown are banned still.
        ban.update(await bans.insert(cur, moderator, reason, meme_id, sha256, copy_hash))
        details = {"ban": ban["id"], "sha256": sha256}
        closed = {} if also is None else {"reports": await also(cur)}
        banned_details = details | {"removed": others} | closed
        await moderation.record(cur, moderator, "ban", meme_id, reason, banned_details)
        for other in others:
            await moderation.record(cur, moderator, "remove", other, reason, details)

    await memes.delete(services, meme_id, also=banned)
    services.picture_cache.forget([("meme", other) for other in others])
    return ban


async def page(services: Services, limit: int, cursor: str | None) -> tuple[list[Row], str | None]:
    """The bans, newest first: `limit` after `cursor`, and the next cursor."""
    key = services.settings.cursor_key()
    before = None if cursor is None else decode_cursor(cursor, BANS, key).id
    rows = await bans.page(services.db, before, limit + 1)
    next_cursor = None
    if len(rows) > limit:
        del rows[limit:]
        next_cursor = encode_cursor(BANS, None, rows[-1]["id"], key)
    return rows, next_cursor


async def unban(services: Services, ban_id: int, moderator: str) -> None:
    """Lift the ban: the picture and its copies may be posted again. Logged as `unban`."""
    async with transaction(services.db) as cur:
        ban = await bans.delete(cur, ban_id)
        if ban is None:
            raise NotFound(f"No ban has id {ban_id}")
        details = {"ban": ban_id, "sha256": ban["sha256"]}
        await moderation.record(cur, moderator, "unban", ban["meme_id"], None, details)
