"""The read replica (`DATABASE_REPLICA_URL`): its pool, how far it has replayed the primary's
write-ahead log, the positions of recent writes by client, and reads that the primary answers
when the replica cannot.

Positions are bytes into the log (`pg_lsn - '0/0'`): plain integers to compare and to carry
in a cookie."""

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from cachetools import TTLCache
from psycopg2 import errors

from api.db.sql import Database, cursor, fetch_value
from api.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
# After the replica failed, reads go to the primary this long before it is tried again: one
# read in that time pays for a replica that does not answer, not every read.
RETRY_SECONDS = 2.0
# A client's last write is remembered this long by its address (a cookie carries it too): far
# longer than a healthy replica lags.
WRITER_SECONDS = 300
MAX_WRITERS = 100_000  # clients remembered at most: a few MB

# On a replica, how far it has replayed; on a primary (a replica promoted, or a URL naming the
# primary itself), how far it has written: everything it has.
REPLAYED = """
SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
             ELSE pg_current_wal_insert_lsn() END - '0/0')::bigint
"""
# The insert position, not pg_current_wal_lsn(): with synchronous_commit off, a commit may not
# be written out yet, and the write position would be short of it.
WRITTEN = "SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint"


@dataclass
class Replica:
    db: Database
    replayed: int = 0  # the furthest position seen replayed on the replica
    down_until: float = 0.0  # time.monotonic(): reads go to the primary until then
    writers: TTLCache[str, int] = field(
        default_factory=lambda: TTLCache(maxsize=MAX_WRITERS, ttl=WRITER_SECONDS)
    )

    async def has_replayed(self, position: int) -> bool:
        """Whether the replica holds the write at `position`: asked only while the last answer
        said it did not."""
        if position > self.replayed:
            async with cursor(self.db) as cur:
                self.replayed = max(self.replayed, await fetch_value(cur, REPLAYED) or 0)
        return position <= self.replayed

    async def read[T](
        self, primary: Database, read: Callable[[Database], Awaitable[T]], written: int | None
    ) -> T:
        """`read` on the replica if it holds the client's last write (at `written`, if any);
        else, or when the replica is down, out of connections, does not answer at all or
        cancels the statement for a conflict with the log it replays, on the primary."""
        if time.monotonic() >= self.down_until:
            try:
                if written is None or await self.has_replayed(written):
                    return await read(self.db)
            except (DatabaseUnavailable, TimeoutError) as exc:
                if isinstance(exc, TimeoutError):  # aiopg's own, past the statement timeout
                    self.db.outage.failed("no answer within the statement timeout")
                self.down_until = time.monotonic() + RETRY_SECONDS
            except errors.TransactionRollbackError as exc:  # a recovery conflict: this read alone
                log.info("a read cancelled on the replica is read on the primary: %s", exc)
        return await read(primary)


async def write_position(primary: Database) -> int:
    """Where the primary's log is now: at or past the end of every write committed."""
    async with cursor(primary) as cur:
        return await fetch_value(cur, WRITTEN)
