"""The NSFW scores of pictures processed before their job scored them: `python -m api jobs
--backfill nsfw`. One picture at a time, each stored on its own: a run that stops (killed, an
outage) leaves done what it did, and the next run goes on from there."""

from collections.abc import Callable

from api.db import nsfw
from api.domain import backfills
from api.imaging.features import nsfw_of
from api.services import Services


async def backfill(
    services: Services, progress: Callable[[int, int], None], limit: int | None = None
) -> int:
    """Score every processed picture without a score (at most `limit`), in the image workers;
    calls `progress(done, total)` after each; returns how many it scored."""

    async def store(sha256: str, score: float) -> bool:
        return await nsfw.scored(services.db, sha256, score)

    return await backfills.backfill(
        services, progress, limit, what="NSFW score", count_left=nsfw.count_without_score,
        left=nsfw.without_score, compute=nsfw_of, store=store,
    )  # fmt: skip
