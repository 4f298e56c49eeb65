"""Processing pictures after their upload was answered: `python -m api worker`.

A job per picture (not per meme: memes sharing a picture share its job) makes the variants
most asked for ahead (AHEAD: what browsers get in the grid and on the meme's page), reads the words on the picture, hashes it, hashes it again with its words masked out
and gives it the template that hash is nearest to (api.db.templates), and paints its
placeholder. The job is queued
in the transaction that stores the picture's row (a trigger), and claimed from the queue by
any worker of any machine (api.db.jobs). A try that raises, or outlasts JOB_TIMEOUT_SECONDS,
is tried again later with a growing wait, then marked `failed` with its reason (a try past its
timeout also frees the image worker process it ran in: api.imaging.workers); a worker that
dies mid-job stops renewing its lease, and the job is claimed again when the lease runs out.

A database outage is waited out, not a failure: the try it interrupted does not count, and the
job goes back to the queue once the database answers (the outage is logged when it starts and
when it ends, by api.db.sql); nothing the database raises ends the worker.
"""

import asyncio
import logging
import os
import socket
from contextlib import suppress

from api.db import jobs
from api.db.blobs import thumbnail_stored
from api.domain.thumbnails import downloaded, store_thumbnail
from api.errors import DatabaseUnavailable, NotFound, QueryTimeout
from api.imaging import thumbnails, variants
from api.imaging.features import analyse
from api.services import Services

log = logging.getLogger(__name__)
# What the gallery asks for in browsers that take AVIF (most) or WebP, and the older `thumb`
# and `small` (the templates' examples, the `memes` command): about 0.5 s of work a picture
# (python -m bench variants). JPEG and PNG, for the other clients, are made on request.
AHEAD = [
    *((size, format) for size in variants.SIZES for format in ("avif", "webp")),
    *((size, "webp") for size in thumbnails.SIZES),
]
# The database is down, failing over or too slow: the job is not at fault.
DATABASE_DOWN = (DatabaseUnavailable, QueryTimeout)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def process(services: Services, job: jobs.Job) -> bool:
    """One try of the job; False when the picture was deleted meanwhile (nothing to do)."""
    try:
        async with downloaded(services, job.sha256) as original:
            for size, format in AHEAD:
                if not await thumbnail_stored(services.db, job.sha256, size, format):
                    await store_thumbnail(services, job.sha256, original, size, format)
            features = await services.image_workers.run(analyse, original)
    except NotFound:
        return False  # deleted with its memes: its job row went with it
    settings = services.settings
    return await jobs.done(
        services.db, job, features, settings.template_distance, settings.repost_words
    )


async def _keep_lease(services: Services, job: jobs.Job) -> None:
    lease = services.settings.job_lease_seconds
    while True:
        await asyncio.sleep(lease / 3)
        try:
            renewed = await jobs.renew(services.db, job, lease)
        except DATABASE_DOWN:
            continue  # the job itself finds out, at its next statement
        if not renewed:
            log.warning("lost the lease of %s", job.sha256)
            return


async def _hand_back(services: Services, job: jobs.Job, stop: asyncio.Event) -> str:
    """After an outage interrupted the job: back to the queue as soon as the database answers,
    this try not counted. If the worker is stopped first, the lease runs out instead."""
    while True:
        try:
            await jobs.hand_back(services.db, job)
            return "queued again after a database outage"
        except DATABASE_DOWN:
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), services.settings.job_poll_seconds)
            if stop.is_set():
                return "left to its lease (stopped during a database outage)"


async def run_job(services: Services, job: jobs.Job, stop: asyncio.Event) -> str:
    """Run one claimed job to its end; returns its state after ('done', 'queued', 'failed')."""
    try:
        return await _try(services, job)
    except DATABASE_DOWN:
        return await _hand_back(services, job, stop)


async def _try(services: Services, job: jobs.Job) -> str:
    settings = services.settings
    if job.attempt > settings.job_max_attempts:
        # The tries so far all ended with their worker gone (a crash, an OOM kill): stop here.
        reason = job.last_error or "the worker processing it stopped before it finished"
        await jobs.failed(services.db, job, reason, settings.job_max_attempts, 0)
        return "failed"
    lease = asyncio.create_task(_keep_lease(services, job))
    try:
        async with asyncio.timeout(settings.job_timeout_seconds):
            await process(services, job)
        return "done"
    except DATABASE_DOWN:
        raise
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, TimeoutError):
            reason = f"took longer than {settings.job_timeout_seconds:g} s"
        state = await jobs.failed(
            services.db, job, reason, settings.job_max_attempts, settings.job_retry_seconds
        )
        log.warning("job of %s failed (try %s, now %s): %s", job.sha256, job.attempt, state, reason)
        return state or "lost"
    finally:
        lease.cancel()
        with suppress(asyncio.CancelledError):
            await lease


async def _work(services: Services, name: str, stop: asyncio.Event) -> None:
    settings = services.settings
    while not stop.is_set():
        try:
            job = await jobs.claim(services.db, name, settings.job_lease_seconds)
        except DATABASE_DOWN:  # wait for it like for work (the outage is logged by api.db.sql)
            job = None
        if job is None:
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.job_poll_seconds)
            continue
        state = await run_job(services, job, stop)
        log.info("job of %s: %s (try %s)", job.sha256, state, job.attempt)


async def run_worker(services: Services, stop: asyncio.Event) -> None:
    """Claim and run jobs, WORKER_JOBS at a time, until `stop` is set."""
    name = worker_name()
    log.info("worker %s: %s jobs at a time", name, services.settings.worker_jobs)
    loops = [_work(services, name, stop) for _ in range(services.settings.worker_jobs)]
    await asyncio.gather(*loops)
