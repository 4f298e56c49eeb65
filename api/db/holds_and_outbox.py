"""The store's objects as the database sees them: which keys rows refer to, uploads in flight
(object_uploads), and deletions due (object_deletions, an outbox).

Rules that keep a row from ever standing for an object that is not there, whatever order the
store carries out requests in (api.domain.holds_and_outbox runs them):
- a key is referenced by a `blobs` row (a picture) or a `thumbnails` row;
- a deletion is recorded only for a key that nothing references and no live upload holds;
- an upload first cancels a deletion of its key that no attempt is carrying out (and waits
  while one may be), then holds the key until its rows commit;
- every change of these for one key runs under that key's transaction lock (`lock`).
"""

from collections.abc import Iterable

import aiopg

from api.db.sql import Database, Row, cursor, execute, fetch_all, fetch_one, fetch_value

UNREFERENCED = """
    NOT EXISTS (SELECT FROM blobs WHERE sha256 = k.key)
    AND NOT EXISTS (SELECT FROM thumbnails WHERE sha256 = k.key)
    AND NOT EXISTS (SELECT FROM object_uploads u
                     WHERE u.key = k.key AND u.expires_at > clock_timestamp())
"""
RELEASE = f"""
INSERT INTO object_deletions (key)
SELECT k.key FROM unnest(%(keys)s::text[]) AS k(key) WHERE {UNREFERENCED}
    ON CONFLICT (key) DO NOTHING
RETURNING key
"""
REFERENCED_KEYS = """
SELECT key FROM (
    SELECT sha256 AS key FROM blobs WHERE sha256 > %(after)s AND sha256 <= %(upto)s
    UNION
    SELECT sha256 FROM thumbnails WHERE sha256 > %(after)s AND sha256 <= %(upto)s
) AS referenced
"""


class DeletionUnderWay(Exception):
    """A deletion of the key may be carried out right now: store it again only after."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"a deletion of this key is under way for {seconds:.1f} s more")
        self.seconds = seconds


async def lock(cur: aiopg.Cursor, keys: Iterable[str]) -> None:
    """Lock keys until the transaction ends, in one order everywhere (no deadlocks)."""
    for key in sorted(set(keys)):
        await execute(
            cur, "SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))", {"key": key}
        )


async def reserve(cur: aiopg.Cursor, key: str, seconds: float) -> tuple[int, bool]:
    """Hold `key` for an upload for `seconds`: returns the hold's id, and whether the object is
    stored already (a row refers to it, so it need not be sent again). Under the key's lock."""
    pending = await fetch_one(
        cur,
        "SELECT extract(epoch FROM leased_until - clock_timestamp())::float AS seconds"
        "  FROM object_deletions WHERE key = %(key)s",
        {"key": key},
    )
    if pending is not None and (pending["seconds"] or 0) > 0:
        raise DeletionUnderWay(pending["seconds"])
    # No attempt is under way (each ends by its lease): the deletion is cancelled.
    await execute(cur, "DELETE FROM object_deletions WHERE key = %(key)s", {"key": key})
    hold = await fetch_value(
        cur,
        "INSERT INTO object_uploads (key, expires_at)"
        " VALUES (%(key)s, clock_timestamp() + make_interval(secs => %(seconds)s)) RETURNING id",
        {"key": key, "seconds": seconds},
    )
    stored = await fetch_value(
        cur,
        "SELECT EXISTS (SELECT FROM blobs WHERE sha256 = %(key)s)"
        " OR EXISTS (SELECT FROM thumbnails WHERE sha256 = %(key)s)",
        {"key": key},
    )
    return hold, stored


async def settle(cur: aiopg.Cursor, hold: int) -> bool:
    """End an upload's hold; False when it had expired (then its object may have been
    deleted, and the upload starts again). Under the key's lock."""
    live = await fetch_value(
        cur,
        "DELETE FROM object_uploads WHERE id = %(id)s RETURNING expires_at > clock_timestamp()",
        {"id": hold},
    )
    return bool(live)


async def release(cur: aiopg.Cursor, keys: Iterable[str]) -> list[str]:
    """Record the deletion of each of `keys` that nothing refers to any more; returns them.
    Under the keys' locks, in the transaction of the change that left them unreferenced."""
    rows = await fetch_all(cur, RELEASE, {"keys": list(keys)})
    return [row["key"] for row in rows]


async def due_deletions(db: Database, limit: int, now: bool = False) -> list[str]:
    """Deletions whose backoff is over (or all of them, `now`) that no attempt is on."""
    async with cursor(db) as cur:
        rows = await fetch_all(
            cur,
            "SELECT key FROM object_deletions"
            " WHERE (due_at <= now() OR %(now)s)"
            " AND (leased_until IS NULL OR leased_until <= clock_timestamp())"
            " ORDER BY due_at LIMIT %(limit)s",
            {"limit": limit, "now": now},
        )
    return [row["key"] for row in rows]


async def claim_deletion(db: Database, key: str, seconds: float, margin: float) -> float | None:
    """Take the deletion of `key` for one attempt of `seconds`; returns the attempt's deadline
    (Unix time, the database's clock), or None if someone else has it or it is done. Nobody
    stores the key again until `margin` past the deadline, for clocks that differ."""
    async with cursor(db) as cur:
        return await fetch_value(
            cur,
            """
            UPDATE object_deletions
               SET attempts = attempts + 1,
                   leased_until = clock_timestamp() + make_interval(secs => %(lease)s)
             WHERE key = %(key)s AND (leased_until IS NULL OR leased_until <= clock_timestamp())
            RETURNING extract(epoch FROM clock_timestamp())::float + %(seconds)s
            """,
            {"key": key, "seconds": seconds, "lease": seconds + margin},
        )


async def deletion_done(db: Database, key: str) -> None:
    async with cursor(db) as cur:
        await execute(cur, "DELETE FROM object_deletions WHERE key = %(key)s", {"key": key})


async def deletion_failed(db: Database, key: str, error: str) -> None:
    """Try again later: after 2, 4, 8 ... seconds, at most an hour."""
    async with cursor(db) as cur:
        await execute(
            cur,
            "UPDATE object_deletions SET last_error = %(error)s,"
            " due_at = now() + make_interval(secs => least(3600, power(2, attempts)))"
            " WHERE key = %(key)s",
            {"key": key, "error": error},
        )


async def deletion_recorded(cur: aiopg.Cursor, key: str) -> bool:
    return bool(
        await fetch_value(
            cur, "SELECT EXISTS (SELECT FROM object_deletions WHERE key = %(key)s)", {"key": key}
        )
    )


async def seconds_to_last_lease(db: Database) -> float:
    """How long until no attempt to delete can still be under way (0 when none is)."""
    async with cursor(db) as cur:
        seconds = await fetch_value(
            cur,
            "SELECT extract(epoch FROM max(leased_until) - clock_timestamp())::float"
            "  FROM object_deletions",
        )
    return max(0.0, seconds or 0.0)


async def pending_deletions(db: Database) -> list[Row]:
    async with cursor(db) as cur:
        return await fetch_all(
            cur, "SELECT key, attempts, last_error, due_at FROM object_deletions ORDER BY key"
        )


async def forget_expired_uploads(db: Database) -> None:
    """Holds of uploads that never settled (their process died) protect nothing any more."""
    async with cursor(db) as cur:
        await execute(
            cur,
            "DELETE FROM object_uploads WHERE expires_at < clock_timestamp() - interval '1 hour'",
        )


async def referenced_keys(db: Database, after: str, upto: str) -> set[str]:
    """The keys rows refer to in (after, upto]."""
    async with cursor(db) as cur:
        rows = await fetch_all(cur, REFERENCED_KEYS, {"after": after, "upto": upto})
    return {row["key"] for row in rows}
