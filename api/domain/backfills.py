"""What the backfills of pictures processed before a feature existed share (`python -m api jobs
--backfill templates|nsfw`): one picture at a time, in sha256 order, each stored on its own, so
that a run that stops (killed, an outage) leaves done what it did and the next goes on from
there."""

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from api.db.sql import Database
from api.domain.thumbnails import downloaded
from api.errors import NotFound, Problem
from api.services import Services

log = logging.getLogger(__name__)
BATCH = 100  # pictures looked up at a time; each is then done on its own


async def backfill(
    services: Services,
    progress: Callable[[int, int], None],
    limit: int | None,
    *,
    what: str,
    count_left: Callable[[Database], Awaitable[int]],
    left: Callable[[Database, str, int], Awaitable[list[str]]],
    compute: Callable[[Path], Any],
    store: Callable[[str, Any], Awaitable[bool]],
) -> int:
    """For each picture `left` names (at most `limit`): `compute` from its bytes in the image
    workers, then `store` it (False: gone or done meanwhile). Calls `progress(done, total)`
    after each; returns how many it stored."""
    total = await count_left(services.db)
    if limit is not None:
        total = min(total, limit)
    done, after = 0, ""
    while done < total and (batch := await left(services.db, after, BATCH)):
        for sha256 in batch[: total - done]:
            after = sha256
            try:
                async with downloaded(services, sha256) as original:
                    value = await services.image_workers.run(compute, original)
            except NotFound:
                continue  # deleted meanwhile
            except Problem:
                raise  # media or the database is down: the next run goes on from here
            except Exception as exc:  # a picture that does not decode stops nothing else
                log.warning("no %s for %s: %s", what, sha256, exc)
                continue
            if await store(sha256, value):
                done += 1
                progress(done, total)
    return done
