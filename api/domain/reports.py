"""Reports: anyone may report a meme, once per client until a moderator closes the report;
moderators read the queue of reported memes and close a meme's reports with an action, in the
transaction that does the action and logs it. `REPORTS_TO_HIDE` hides a meme by itself once
that many clients have open reports on it.

A client is its address (api.web.clients: the one a trusted proxy names), kept only as an
HMAC under the server's key: distinct clients can be counted, no address can be read back.
The key comes from `CURSOR_SECRET` (or the media token): a new one lets each client report
the memes it has open reports on once more.
"""

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import aiopg

from api.db import moderation, reports
from api.db.sql import Row, transaction
from api.domain import bans, memes
from api.domain.moderation import visibility_changed
from api.errors import AlreadyReported, NoOpenReports, NotFound
from api.moderation_settings import AUTOMATIC
from api.services import Services
from api.values.listing import REPORTS, decode_cursor, encode_cursor

NEWEST_NOTES = 3  # notes shown with each meme of the queue

# Closes the meme's open reports in the action's transaction and returns how many it closed
# (NoOpenReports when there were none: the action is then undone).
CloseReports = Callable[[aiopg.Cursor], Awaitable[int]]
# An action a moderator closes reports with: (services, meme_id, moderator, reason, close).
# It runs `close` in the transaction that does it and logs it, with {"reports": closed}.
Action = Callable[[Services, int, str, str | None, CloseReports], Awaitable[None]]


def client_digest(services: Services, client: str) -> bytes:
    key = hmac.new(services.settings.cursor_key(), b"memes report client", hashlib.sha256)
    return hmac.new(key.digest(), client.encode(), hashlib.sha256).digest()


async def report(
    services: Services,
    meme_id: int,
    client: str,
    reason: str,
    note: str | None,
    moderator: str | None = None,
) -> Row:
    """The new report; 404 if there is no such meme (or it is hidden, but to a moderator),
    409 if this client has an open report on it already."""
    async with transaction(services.db) as cur:
        visibility = await reports.lock_meme(cur, meme_id)
        if visibility == "hidden" and moderator is None:
            raise NotFound(f"No meme has id {meme_id}")
        made = await reports.insert(cur, meme_id, client_digest(services, client), reason, note)
        if made is None:
            raise AlreadyReported(
                f"You have reported meme {meme_id} already; a moderator will look at it"
            )
        hidden = visibility == "public" and await _hide_if_enough(services, cur, meme_id)
    if hidden:
        await visibility_changed(services, meme_id)
    return made


async def _hide_if_enough(services: Services, cur: aiopg.Cursor, meme_id: int) -> bool:
    """Hide the meme when this report is the `REPORTS_TO_HIDE`th open one. The meme's lock
    makes its reports count one at a time, so one report alone reaches the number: the meme
    is hidden and logged once. A meme a moderator restored while its reports stay open is
    not hidden again by more of them."""
    needed = services.settings.reports_to_hide
    if needed and await reports.open_reports(cur, meme_id) == needed:
        await moderation.set_visibility(cur, meme_id, "hidden")
        why = f"{needed} open reports"
        await moderation.record(cur, AUTOMATIC, "hide", meme_id, why, {"open_reports": needed})
        return True
    return False


async def queue_page(
    services: Services, limit: int, cursor: str | None
) -> tuple[list[Row], str | None]:
    """Memes with open reports, most reported first, then the newest report: `limit` of them
    after `cursor`, and the next cursor."""
    key = services.settings.cursor_key()
    after = None
    if cursor is not None:
        position = decode_cursor(cursor, REPORTS, key)
        count, last_reported = position.key
        after = (count, last_reported, position.id)
    rows = await reports.queue_page(services.db, after, NEWEST_NOTES, limit + 1)
    next_cursor = None
    if len(rows) > limit:
        del rows[limit:]
        last = rows[-1]
        position_key = [last["reports"], last["last_reported"].isoformat()]
        next_cursor = encode_cursor(REPORTS, position_key, last["meme_id"], key)
    return rows, next_cursor


async def _dismiss(
    services: Services, meme_id: int, moderator: str, reason: str | None, close: CloseReports
) -> None:
    """The reports were wrong: closed, and a meme the server hid for them public again (a
    meme a moderator hid stays hidden)."""
    async with transaction(services.db) as cur:
        visibility = await reports.lock_meme(cur, meme_id)
        details: dict[str, Any] = {"reports": await close(cur)}
        if visibility == "hidden" and await reports.visibility_set_by(cur, meme_id) == AUTOMATIC:
            await moderation.set_visibility(cur, meme_id, "public")
            details["restored"] = True
        await moderation.record(cur, moderator, "dismiss", meme_id, reason, details)
    if details.get("restored"):
        await visibility_changed(services, meme_id)


async def _hide(
    services: Services, meme_id: int, moderator: str, reason: str | None, close: CloseReports
) -> None:
    async with transaction(services.db) as cur:
        await reports.lock_meme(cur, meme_id)
        closed = await close(cur)
        await moderation.set_visibility(cur, meme_id, "hidden")
        await moderation.record(cur, moderator, "hide", meme_id, reason, {"reports": closed})
    await visibility_changed(services, meme_id)


async def _remove(
    services: Services, meme_id: int, moderator: str, reason: str | None, close: CloseReports
) -> None:
    async def closed_and_logged(cur: Any, sha256: str) -> None:
        details = {"sha256": sha256, "reports": await close(cur)}
        await moderation.record(cur, moderator, "remove", meme_id, reason, details)

    await memes.delete(services, meme_id, also=closed_and_logged)


async def _ban(
    services: Services, meme_id: int, moderator: str, reason: str | None, close: CloseReports
) -> None:
    await bans.ban_meme(services, meme_id, moderator, reason, also=close)


# The actions a moderator closes reports with, by name: the API's `action` enum is this
# table's keys.
ACTIONS: dict[str, Action] = {"dismiss": _dismiss, "hide": _hide, "remove": _remove, "ban": _ban}


async def close(
    services: Services, meme_id: int, action: str, moderator: str, reason: str | None = None
) -> int:
    """Close every open report of the meme and do `action` (a key of ACTIONS), logged, in one
    transaction; returns how many reports it closed. 404 if there is no such meme, 409 if it
    has no open report."""
    closed = 0

    async def close_reports(cur: aiopg.Cursor) -> int:
        nonlocal closed
        closed = await reports.close(cur, meme_id, moderator, action)
        if not closed:
            raise NoOpenReports(f"Meme {meme_id} has no open report")
        return closed

    await ACTIONS[action](services, meme_id, moderator, reason, close_reports)
    return closed
