"""What moderators do, each action logged in the transaction that does it (an error answer
means neither happened): hide and restore a meme, remove it, and read the log."""

from typing import Any

from api.db import moderation
from api.db.memes import get_meme
from api.db.sql import Row, transaction
from api.domain import memes, pictures
from api.services import Services
from api.values.listing import MODERATION_LOG, decode_cursor, encode_cursor

VISIBILITY_ACTIONS = {"hidden": "hide", "public": "restore"}


async def set_visibility(
    services: Services, meme_id: int, visibility: str, moderator: str, reason: str | None = None
) -> Row:
    """Make the meme `public` or `hidden` and log it (unless it already was); returns the
    meme as it is now."""
    async with transaction(services.db) as cur:
        was = await moderation.set_visibility(cur, meme_id, visibility)
        if was != visibility:
            action = VISIBILITY_ACTIONS[visibility]
            await moderation.record(cur, moderator, action, meme_id, reason)
    return await visibility_changed(services, meme_id)


async def visibility_changed(services: Services, meme_id: int) -> Row:
    """After a hide or a restore commits: the meme as it is now. This process's picture rows
    say at once whether its picture URLs are served (a hidden meme's are 404); other
    processes lag by PICTURE_ROW_SECONDS at most."""
    meme = await get_meme(services.db, meme_id, hidden=True)
    pictures.forget(services, meme_id, meme["sha256"], ())
    return meme


async def remove(
    services: Services, meme_id: int, moderator: str, reason: str | None = None
) -> None:
    """Delete the meme as a moderator: logged with the picture it showed."""

    async def logged(cur: Any, sha256: str) -> None:
        await moderation.record(cur, moderator, "remove", meme_id, reason, {"sha256": sha256})

    await memes.delete(services, meme_id, also=logged)


async def log_page(
    services: Services, limit: int, cursor: str | None, meme_id: int | None = None
) -> tuple[list[Row], str | None]:
    """The log, newest first: `limit` entries after `cursor`, and the next cursor."""
    key = services.settings.cursor_key()
    before = None if cursor is None else decode_cursor(cursor, MODERATION_LOG, key).id
    rows = await moderation.log_page(services.db, before, meme_id, limit + 1)
    next_cursor = None
    if len(rows) > limit:
        del rows[limit:]
        next_cursor = encode_cursor(MODERATION_LOG, None, rows[-1]["id"], key)
    return rows, next_cursor
