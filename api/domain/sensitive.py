"""Marking a meme sensitive: its poster (by its edit token, at upload or later) or a moderator.

A meme is sensitive when its picture's NSFW score is over NSFW_THRESHOLD or someone marked it
(api.db.memes.SENSITIVE). The poster marks and unmarks their own mark only: unmarking does not
overrule the score. A moderator's word is the last: marked (`moderator`) or unmarked
(`cleared`: not sensitive whatever the score, for the model's false alarms), and the poster
cannot change it (403); each of a moderator's changes is logged (mark-sensitive,
unmark-sensitive) in its transaction.
"""

import aiopg

from api.db import memes, moderation
from api.db.memes import Also, get_meme
from api.db.sql import Row, transaction
from api.errors import Forbidden
from api.services import Services

__all__ = ["Also", "marking", "set_sensitive"]
MODERATORS_MARKS = ("moderator", "cleared")


def _new_mark(was: str | None, sensitive: bool, moderator: str | None) -> str | None:
    if moderator is not None:
        return "moderator" if sensitive else "cleared"
    if was in MODERATORS_MARKS:
        if sensitive == (was == "moderator"):
            return was  # what a moderator decided already: nothing to change
        raise Forbidden("A moderator decided whether this meme is sensitive: only a moderator may")
    return "poster" if sensitive else None


def marking(sensitive: bool, moderator: str | None, reason: str | None = None) -> Also:
    """The mark as a write of a change's transaction (api.domain.memes.replace)."""

    async def mark(cur: aiopg.Cursor, meme_id: int) -> None:
        was = await memes.sensitive_mark(cur, meme_id)
        mark = _new_mark(was, sensitive, moderator)
        if mark == was:
            return
        await memes.set_sensitive_mark(cur, meme_id, mark)
        if moderator is not None:
            action = "mark-sensitive" if sensitive else "unmark-sensitive"
            await moderation.record(cur, moderator, action, meme_id, reason, {"was": was})

    return mark


async def set_sensitive(
    services: Services,
    meme_id: int,
    sensitive: bool,
    moderator: str | None,
    reason: str | None = None,
) -> Row:
    """Mark or unmark the meme alone; returns it as it is now."""
    async with transaction(services.db) as cur:
        await marking(sensitive, moderator, reason)(cur, meme_id)
    return await get_meme(services.db, meme_id, hidden=True)  # authorized: a moderator, if hidden
