"""Storing objects (pictures, thumbnails) and deleting them so that a crash, an outage or a
store that carries out requests late never leaves a row standing for a missing object.

No database connection or lock is held while media works: an upload holds its key in one
short transaction (`api.db.holds_and_outbox.reserve`), sends the object, and commits its rows
in another (only if the hold is still live). A change that leaves objects unreferenced records their
deletion in its own transaction (the outbox); the deletions are carried out after the commit,
each attempt with a deadline media heeds, and tried again later until media confirms them.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import aiopg

from api.db import blobs, holds_and_outbox, idempotency, tags, templates
from api.db.sql import transaction, undone_alone_if_stuck
from api.errors import MediaUnavailable
from api.services import Services

log = logging.getLogger(__name__)
# How long an upload may take between holding its key and committing its rows.
HOLD_SECONDS = 120
# Media's clock may run behind the database's by this much: a key is not stored again until
# an attempt to delete it is past its deadline by this margin.
CLOCK_MARGIN_SECONDS = 1.0
ATTEMPTS = 3


async def store_then_write[T](
    services: Services, key: str, path: Path, write: Callable[[aiopg.Cursor], Awaitable[T]]
) -> T:
    """Store the file at `path` under `key` (unless it is stored already), then run `write`,
    which makes rows refer to it, in the transaction that ends the upload's hold."""
    for _ in range(ATTEMPTS):
        hold, stored = await _hold(services, key)
        try:
            if not stored:
                await services.media.put(key, path, path.stat().st_size)
            async with transaction(services.db) as cur:
                await holds_and_outbox.lock(cur, [key])
                if await holds_and_outbox.settle(cur, hold):
                    return await write(cur)
        except BaseException:
            await _abandon(services, key, hold)
            raise
        log.warning("the hold on %s expired before its rows came; storing it again", key)
    raise MediaUnavailable("The picture could not be stored; try again later")


async def _hold(services: Services, key: str) -> tuple[int, bool]:
    """Hold the key for an upload. A deletion of it under way (a meme with this picture was
    just deleted) usually ends within milliseconds: wait for it, within the media budget."""
    waited, pause = 0.0, 0.02
    while True:
        try:
            async with transaction(services.db) as cur:
                await holds_and_outbox.lock(cur, [key])
                return await holds_and_outbox.reserve(cur, key, HOLD_SECONDS)
        except holds_and_outbox.DeletionUnderWay as busy:
            if waited + pause > services.settings.media_timeout_seconds:
                raise MediaUnavailable(
                    "The picture is being deleted from storage; try again shortly",
                    retry_after=round(busy.seconds) + 1,
                ) from None
        await asyncio.sleep(pause)
        waited, pause = waited + pause, min(pause * 2, 0.5)


async def _abandon(services: Services, key: str, hold: int) -> None:
    """The rows did not come: let go of the key, and delete the object if nothing else uses
    it. Should this fail too, the hold expires and reconcile finds the object."""
    try:
        async with transaction(services.db) as cur:
            await holds_and_outbox.lock(cur, [key])
            await holds_and_outbox.settle(cur, hold)
            released = await holds_and_outbox.release(cur, [key])
    except Exception as exc:
        log.warning("could not let go of %s (%s); reconcile will", key, exc)
        return
    delete_soon(services, released)


async def release_picture(services: Services, sha256: str) -> list[str]:
    """If no meme uses the picture, delete its rows and record the deletion of its objects (and
    its thumbnails'), in a transaction of its own; returns their keys."""
    async with transaction(services.db) as cur:
        return await _release(cur, sha256)


async def release_with_change(cur: aiopg.Cursor, sha256: str) -> list[str]:
    """`release_picture`, in the transaction of the change that may have left the picture
    without memes, so that both commit together. Should the release not finish (its rows locked
    past the statement timeout, a deadlock), it alone is undone and the change still commits:
    its answer must be its success, since an error would say that nothing changed. The
    picture's row, which no meme uses (so it is never served), is then released by the next
    `reconcile`."""
    keys = await undone_alone_if_stuck(cur, lambda: _release(cur, sha256))
    if keys is None:
        log.warning("picture %s is left without memes; reconcile will release it", sha256)
    return keys or []


async def _release(cur: aiopg.Cursor, sha256: str) -> list[str]:
    await holds_and_outbox.lock(cur, [sha256])
    keys = await blobs.drop_if_unused(cur, sha256)
    await holds_and_outbox.lock(cur, set(keys) - {sha256})  # after the picture's: one order
    return await holds_and_outbox.release(cur, keys)


def delete_soon(services: Services, keys: list[str]) -> None:
    """Carry out recorded deletions after the answer is sent: nobody waits on media for them."""
    if keys:
        services.background.spawn(carry_out(services, keys))


async def carry_out(services: Services, keys: Iterable[str]) -> int:
    """Carry out the recorded deletions of `keys`; returns how many media confirmed. One that
    fails stays recorded, due again after a backoff."""
    budget, done = services.settings.media_timeout_seconds, 0
    for key in keys:
        deadline = await holds_and_outbox.claim_deletion(
            services.db, key, budget, CLOCK_MARGIN_SECONDS
        )
        if deadline is None:
            continue  # done, or under way elsewhere
        try:
            await services.media.delete(key, deadline)
        except MediaUnavailable as exc:
            await holds_and_outbox.deletion_failed(services.db, key, exc.detail)
            continue
        await holds_and_outbox.deletion_done(services.db, key)
        done += 1
    return done


async def carry_out_due(services: Services, now: bool = False, batch: int = 100) -> int:
    """Every deletion that is due (every one, `now`), in batches; how many media confirmed."""
    done = 0
    while keys := await holds_and_outbox.due_deletions(services.db, batch, now):
        confirmed = await carry_out(services, keys)
        done += confirmed
        if confirmed < len(keys):
            break  # media is failing: the rest waits for the next round
    return done


async def tidy(services: Services) -> None:
    """The server's periodic round: deletions that are due, holds of dead uploads, idempotency
    keys past their 24 hours, the tags' and the templates' counts folded."""
    await carry_out_due(services)
    await holds_and_outbox.forget_expired_uploads(services.db)
    await idempotency.forget_old(services.db)
    await tags.fold_tag_counts(services.db)
    await templates.fold_template_counts(services.db)
