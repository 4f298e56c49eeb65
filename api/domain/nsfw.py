"""The NSFW scores of pictures processed before their job scored them: `python -m api jobs
--backfill nsfw`. One picture at a time, each stored on its own: a run that stops (killed, an
outage) leaves done what it did, and the next run goes on from there."""

import logging
from collections.abc import Callable

from api.db import nsfw
from api.domain.thumbnails import downloaded
from api.errors import NotFound, Problem
from api.imaging.features import nsfw_of
from api.services import Services

log = logging.getLogger(__name__)
BACKFILL_BATCH = 100  # pictures looked up at a time


async def backfill(
    services: Services, progress: Callable[[int, int], None], limit: int | None = None
) -> int:
    """Score every processed picture without a score (at most `limit`), in the image workers;
    calls `progress(done, total)` after each; returns how many it scored."""
    total = await nsfw.count_without_score(services.db)
    if limit is not None:
        total = min(total, limit)
    done, after = 0, ""
    while done < total and (batch := await nsfw.without_score(services.db, after, BACKFILL_BATCH)):
        for sha256 in batch[: total - done]:
            after = sha256
            try:
                async with downloaded(services, sha256) as original:
                    score = await services.image_workers.run(nsfw_of, original)
            except NotFound:
                continue  # deleted meanwhile
            except Problem:
                raise  # media or the database is down: the next run goes on from here
            except Exception as exc:  # a picture that does not decode stops nothing else
                log.warning("no NSFW score for %s: %s", sha256, exc)
                continue
            if await nsfw.scored(services.db, sha256, score):
                done += 1
                progress(done, total)
    return done
