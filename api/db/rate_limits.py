"""Rate-limit counters in PostgreSQL (GCRA, the generic cell rate algorithm), so that a limit
holds across every api process sharing the database.

Each key keeps a theoretical arrival time (TAT): when its quota is fully restored. A request
moves the TAT one emission interval (window / quota) later; it is allowed while the TAT stays
within one window of now. One statement decides and records, atomically per key.
"""

from api.db.sql import Database, cursor, execute, fetch_value

TAKE = """
INSERT INTO rate_limits AS r (key, tat)
VALUES (%(key)s, statement_timestamp() + make_interval(secs => %(interval)s))
ON CONFLICT (key) DO UPDATE
   SET tat = greatest(r.tat, statement_timestamp()) + make_interval(secs => %(interval)s)
 WHERE greatest(r.tat, statement_timestamp()) + make_interval(secs => %(interval)s)
       <= statement_timestamp() + make_interval(secs => %(window)s)
RETURNING extract(epoch FROM tat - statement_timestamp())::float8
"""
AHEAD = """
SELECT extract(epoch FROM tat - statement_timestamp())::float8 FROM rate_limits
 WHERE key = %(key)s
"""


async def take(db: Database, key: str, interval: float, window: float) -> tuple[bool, float]:
    """Spend one request of `key`'s quota if it has one: (allowed, seconds its TAT is ahead)."""
    params = {"key": key, "interval": interval, "window": window}
    async with cursor(db) as cur:
        ahead = await fetch_value(cur, TAKE, params)
        if ahead is not None:
            return True, ahead
        return False, await fetch_value(cur, AHEAD, params) or 0.0


async def forget_restored(db: Database) -> None:
    """Drop the keys whose quota is whole again: they are as good as new."""
    async with cursor(db) as cur:
        await execute(cur, "DELETE FROM rate_limits WHERE tat < statement_timestamp()")
