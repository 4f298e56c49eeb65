"""The queue of picture jobs (picture_jobs) and what they find (picture_features).

A worker claims the oldest due job with `FOR UPDATE SKIP LOCKED`, so workers never wait on each
other's rows, and leases it: `due_at` is the end of the lease while the job runs, renewed by
the worker. A job whose lease ran out (its worker died) is due again and claimed like any
other. Every write of a worker names the attempt it claimed: one that lost its lease to
another worker changes nothing.

A meme reads none of these tables: triggers (migration 0011) copy what it shows (the state as
pending, done or failed, the error, the text and the placeholder) to the picture's row in
blobs, in the transaction that writes here, whoever writes (these functions, fixtures); the
NSFW score too (migration 0018). A job
done gives its picture a template too (api.db.templates), in the same transaction.
"""

from dataclasses import dataclass

from api.db.blobs import picture_kept
from api.db.sql import Database, Row, cursor, execute, fetch_all, fetch_one, transaction
from api.db.templates import assign_template, lock_picture
from api.imaging.features import Features

STATES = ("queued", "running", "done", "failed")
# Failures wait at most this long before the next try.
MAX_RETRY_SECONDS = 3600
CLAIM = """
UPDATE picture_jobs
   SET state = 'running', attempts = attempts + 1, worker = %(worker)s,
       due_at = now() + make_interval(secs => %(lease)s)
 WHERE sha256 = (SELECT sha256 FROM picture_jobs
                  WHERE state IN ('queued', 'running') AND due_at <= now()
                  ORDER BY due_at
                  LIMIT 1
                    FOR UPDATE SKIP LOCKED)
RETURNING sha256, attempts, last_error
"""
RUNNING = "sha256 = %(sha256)s AND attempts = %(attempt)s AND state = 'running'"
RENEW = f"""
UPDATE picture_jobs SET due_at = now() + make_interval(secs => %(lease)s) WHERE {RUNNING}
"""
FAILED = f"""
UPDATE picture_jobs
   SET state = CASE WHEN attempts >= %(max_attempts)s THEN 'failed' ELSE 'queued' END,
       due_at = now() + make_interval(secs => least(
           %(retry)s * 2 ^ (attempts - 1), {MAX_RETRY_SECONDS})),
       finished_at = CASE WHEN attempts >= %(max_attempts)s THEN now() END,
       last_error = %(error)s, worker = NULL
 WHERE {RUNNING}
RETURNING state
"""
# A try cut short by a database outage does not count: queued again, due at once.
HAND_BACK = f"""
UPDATE picture_jobs
   SET state = 'queued', attempts = attempts - 1, due_at = now(), worker = NULL
 WHERE {RUNNING}
"""
DONE = f"""
UPDATE picture_jobs
   SET state = 'done', finished_at = now(), last_error = NULL, worker = NULL
 WHERE {RUNNING}
"""
# The words weigh A, the suffixes D (the default): a short search word looks for A only.
INSERT_FEATURES = """
INSERT INTO picture_features (sha256, text, search, phash, placeholder, template_hash, nsfw)
VALUES (%(sha256)s, %(text)s,
        setweight(to_tsvector('simple', %(words)s), 'A') || to_tsvector('simple', %(suffixes)s),
        %(phash)s, %(placeholder)s, %(template_hash)s, %(nsfw)s)
    ON CONFLICT (sha256) DO UPDATE
   SET text = excluded.text, search = excluded.search, phash = excluded.phash,
       placeholder = excluded.placeholder, template_hash = excluded.template_hash,
       nsfw = excluded.nsfw, processed_at = now()
"""


@dataclass(frozen=True)
class Job:
    sha256: str
    attempt: int  # this claim's number: every write below names it
    last_error: str | None  # of the try before, if it failed


async def claim(db: Database, worker: str, lease_seconds: float) -> Job | None:
    """The oldest due job, now this worker's for `lease_seconds`; None when none is due."""
    async with cursor(db) as cur:
        row = await fetch_one(cur, CLAIM, {"worker": worker, "lease": lease_seconds})
    return None if row is None else Job(row["sha256"], row["attempts"], row["last_error"])


def _running(job: Job, **more) -> Row:
    return {"sha256": job.sha256, "attempt": job.attempt, **more}


async def renew(db: Database, job: Job, lease_seconds: float) -> bool:
    """Extend the lease; False if the job is no longer this worker's."""
    async with cursor(db) as cur:
        await execute(cur, RENEW, _running(job, lease=lease_seconds))
        return cur.rowcount == 1


async def failed(
    db: Database, job: Job, error: str, max_attempts: int, retry_seconds: float
) -> str | None:
    """Record a failed try: queued again after a backoff, or `failed` after the last try.
    Returns the new state (None: the job was no longer this worker's, or its picture is gone)."""
    params = _running(job, error=error, max_attempts=max_attempts, retry=retry_seconds)
    async with transaction(db) as cur:
        # The last try writes the picture's row too (a trigger): its lock is taken first, as a
        # delete of the picture takes it before the job's, or the two would deadlock.
        if not await picture_kept(cur, job.sha256):
            return None
        row = await fetch_one(cur, FAILED, params)
    return None if row is None else row["state"]


async def hand_back(db: Database, job: Job) -> None:
    """Give the job back to the queue, this try not counted (unless it is no longer ours)."""
    async with cursor(db) as cur:
        await execute(cur, HAND_BACK, _running(job))


async def done(
    db: Database, job: Job, features: Features, template_distance: int, repost_words: float
) -> bool:
    """Store what the job found, give the picture its template (the nearest within
    `template_distance`, or a new one) and what it is a repost of, and mark the job done,
    together; False if the picture is gone (its job went with it) or the job is no longer
    this worker's."""
    async with transaction(db) as cur:
        await lock_picture(cur, job.sha256)  # first: a delete of the picture holds its rows
        if not await picture_kept(cur, job.sha256):
            return False
        await execute(cur, DONE, _running(job))
        if cur.rowcount == 0:
            return False
        params = {
            "sha256": job.sha256,
            "text": features.text,
            "words": features.words,
            "suffixes": features.suffixes,
            "phash": features.phash,
            "placeholder": features.placeholder,
            "template_hash": features.template_hash,
            "nsfw": features.nsfw,
        }
        await execute(cur, INSERT_FEATURES, params)
        await assign_template(
            cur, job.sha256, features.template_hash, features.text, template_distance,
            repost_words,
        )  # fmt: skip
        return True


async def counts(db: Database) -> dict[str, int]:
    async with cursor(db) as cur:
        rows = await fetch_all(
            cur, "SELECT state, count(*) AS jobs FROM picture_jobs GROUP BY state"
        )
    return {row["state"]: row["jobs"] for row in rows}


async def unfinished(db: Database, state: str, limit: int) -> list[Row]:
    """Jobs in `state` (running or failed), oldest first."""
    async with cursor(db) as cur:
        return await fetch_all(
            cur,
            "SELECT sha256, attempts, worker, due_at, finished_at, last_error FROM picture_jobs"
            " WHERE state = %(state)s ORDER BY created_at, sha256 LIMIT %(limit)s",
            {"state": state, "limit": limit},
        )


async def retry_failed(db: Database) -> int:
    """Queue every failed job again, with its tries counted afresh; returns how many."""
    async with transaction(db) as cur:
        # The pictures' rows first, as in `failed` (their triggers write them).
        await execute(
            cur,
            "SELECT FROM blobs b JOIN picture_jobs j ON j.sha256 = b.sha256"
            " WHERE j.state = 'failed' ORDER BY b.sha256 FOR KEY SHARE OF b",
        )
        await execute(
            cur,
            "UPDATE picture_jobs SET state = 'queued', attempts = 0, due_at = now(),"
            " finished_at = NULL WHERE state = 'failed'",
        )
        return cur.rowcount
