"""Rate-limit counters in PostgreSQL (GCRA, the generic cell rate algorithm), so that a limit
holds across every api process sharing the database.

Each key keeps a theoretical arrival time (TAT): when its quota is fully restored. A request
moves the TAT one emission interval (window / quota) later; it is allowed while the TAT stays
within one window of now. `take` decides and records one request, atomically per key (writes);
`settle` records what a process counted for many keys at once (reads, see
api.domain.rate_limits).
"""

from api.db.sql import Database, cursor, execute, fetch_all, fetch_value

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

# Each key's spending began at most `since` seconds ago (the last settling that went through):
# its TAT becomes greatest(its TAT, then) + what it spent. `excluded.tat` is then + spent.
# Rows are locked in key order, the same in every process, so two settlings never deadlock.
SETTLE = """
INSERT INTO rate_limits AS r (key, tat)
SELECT key, statement_timestamp() - make_interval(secs => %(since)s) + make_interval(secs => spent)
  FROM unnest(%(keys)s::text[], %(spent)s::float8[]) AS s(key, spent)
 ORDER BY key
ON CONFLICT (key) DO UPDATE
   SET tat = excluded.tat + greatest(
           r.tat - (statement_timestamp() - make_interval(secs => %(since)s)), interval '0')
RETURNING key, extract(epoch FROM tat - statement_timestamp())::float8 AS ahead
"""
# Never waits for a row another statement holds (SKIP LOCKED): it cannot deadlock with SETTLE.
FORGET_RESTORED = """
DELETE FROM rate_limits WHERE key IN (
    SELECT key FROM rate_limits WHERE tat < statement_timestamp() FOR UPDATE SKIP LOCKED)
"""


async def take(db: Database, key: str, interval: float, window: float) -> tuple[bool, float]:
    """Spend one request of `key`'s quota if it has one: (allowed, seconds its TAT is ahead)."""
    params = {"key": key, "interval": interval, "window": window}
    async with cursor(db) as cur:
        ahead = await fetch_value(cur, TAKE, params)
        if ahead is not None:
            return True, ahead
        return False, await fetch_value(cur, AHEAD, params) or 0.0


async def settle(
    db: Database, prefix: str, spent: dict[str, float], since: float
) -> dict[str, float]:
    """Add `spent` (seconds of TAT by client, spent in the last `since` seconds) to the keys
    `prefix + client`: each client's TAT, in seconds ahead of now, as every process counted."""
    clients = list(spent)
    params = {"keys": [prefix + c for c in clients], "spent": [spent[c] for c in clients]}
    async with cursor(db) as cur:
        rows = await fetch_all(cur, SETTLE, params | {"since": since})
    return {row["key"].removeprefix(prefix): row["ahead"] for row in rows}


async def forget_restored(db: Database) -> None:
    """Drop the keys whose quota is whole again: they are as good as new."""
    async with cursor(db) as cur:
        await execute(cur, FORGET_RESTORED)
