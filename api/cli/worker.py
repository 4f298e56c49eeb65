"""python -m api worker: run picture jobs until stopped; python -m api jobs: the queue."""

import asyncio
import signal

import click

from api.cli.running import with_services
from api.db import jobs
from api.domain import nsfw, templates
from api.domain.processing import run_worker
from api.services import Services

LISTED = 20  # running and failed jobs shown by `jobs`


async def work(services: Services) -> None:
    """Until SIGTERM or SIGINT; the jobs under way finish first (or, if the process is killed,
    are claimed again by another worker once their lease runs out)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await run_worker(services, stop)


async def show_jobs(services: Services, retry: bool) -> None:
    if retry:
        print(f"queued {await jobs.retry_failed(services.db)} failed job(s) again")
    counts = await jobs.counts(services.db)
    print("  ".join(f"{state} {counts.get(state, 0)}" for state in jobs.STATES))
    for state in ("running", "failed"):
        for job in await jobs.unfinished(services.db, state, LISTED):
            if state == "running":
                detail = f"worker {job['worker']}, lease until {job['due_at']:%H:%M:%S}"
            else:
                detail = job["last_error"]
            print(f"{state:8} {job['sha256'][:16]}  try {job['attempts']}  {detail}")


@click.command("worker")
def worker_command() -> None:
    """Process pictures: run the jobs of the queue until stopped."""
    with_services(work)


BACKFILLS = {  # what each backfill does, and how it says what it did
    "templates": (templates.backfill, "given their template"),
    "nsfw": (nsfw.backfill, "given their NSFW score"),
}


async def run_backfill(services: Services, name: str) -> None:
    def progress(done: int, total: int) -> None:
        print(f"{name}: {done}/{total} picture(s)", flush=True)

    backfill, what = BACKFILLS[name]
    done = await backfill(services, progress)
    print(f"{name}: {done} picture(s) {what}; none left")


@click.command("jobs")
@click.option("--retry-failed", is_flag=True, help="Queue the failed jobs again.")
@click.option(
    "--backfill",
    type=click.Choice(list(BACKFILLS)),
    help="Do for pictures processed before it what jobs now do: `templates` gives each its"
    " template, `nsfw` its NSFW score (resumable: a run stopped midway goes on from there"
    " next time).",
)
def jobs_command(retry_failed: bool, backfill: str | None) -> None:
    """What the queue of picture jobs holds: queued, running, failed."""
    if backfill:
        with_services(lambda services: run_backfill(services, backfill))
        return
    with_services(lambda services: show_jobs(services, retry_failed))
