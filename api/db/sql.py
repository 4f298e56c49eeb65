"""SQL composed from parts that carry their own parameters, and the helpers that run it.

A `Fragment` is SQL text (psycopg2's `sql` objects) with the values of its `%s` placeholders,
in order. Composing fragments composes both, so a filter adds its condition and its values
in one piece, and nothing is ever formatted into SQL text but other SQL objects. Fixed
queries are plain strings (or `sql.SQL` built from constant pieces) with named parameters
(`%(id)s`).

Every statement runs through `execute()`, which turns a statement cancelled by the pool's
`statement_timeout` into a 503 `QueryTimeout`; every connection comes from `cursor()`, which
turns a database that is down, failing over or out of connections into a 503
`DatabaseUnavailable`, so that an outage is never a 500.
"""

import asyncio
import logging
import string
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiopg
import psycopg2
from psycopg2 import errors
from psycopg2 import sql as pg

from api.errors import DatabaseUnavailable, QueryTimeout
from api.values.row import Row
from common.outage import Outage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fragment:
    """A piece of SQL and the values of its placeholders, in the order they appear."""

    text: pg.Composable
    params: tuple[Any, ...] = ()


def fragment(text: str, *params: Any) -> Fragment:
    """`text` is constant SQL with a `%s` for each of `params`."""
    return Fragment(pg.SQL(text), params)


EMPTY = fragment("")


def compose(template: str, **parts: Fragment | pg.Composable) -> Fragment:
    """Fill the `{name}` fields of a constant SQL template, gathering the parts' values."""
    fragments = {
        name: part if isinstance(part, Fragment) else Fragment(part) for name, part in parts.items()
    }
    params: list[Any] = []
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            params.extend(fragments[field].params)  # once for each time the field is used
    text = pg.SQL(template).format(**{name: f.text for name, f in fragments.items()})
    return Fragment(text, tuple(params))


def join(separator: str, parts: Iterable[Fragment]) -> Fragment:
    parts = list(parts)
    return Fragment(
        pg.SQL(separator).join(part.text for part in parts),
        tuple(value for part in parts for value in part.params),
    )


def where(conditions: Iterable[Fragment]) -> Fragment:
    conditions = list(conditions)
    if not conditions:
        return EMPTY
    return compose("WHERE {conditions}", conditions=join(" AND ", conditions))


def _timed_out() -> QueryTimeout:
    return QueryTimeout("The database took too long to answer; try again later")


class Waiters:
    """The requests waiting for a connection of the pool now, by when each began to wait."""

    def __init__(self) -> None:
        self.since: dict[object, float] = {}

    @contextmanager
    def waiting(self) -> Iterator[None]:
        token = object()
        self.since[token] = time.monotonic()
        try:
            yield
        finally:
            del self.since[token]

    def longest(self) -> float:
        """Seconds the longest waiting request has waited; 0 when none waits."""
        return max((time.monotonic() - since for since in self.since.values()), default=0.0)


@dataclass(frozen=True)
class Database:
    """The connection pool, and how long a request may wait for one of its connections."""

    pool: aiopg.Pool
    acquire_timeout: float
    outage: Outage = field(default_factory=lambda: Outage("database", log))
    waiters: Waiters = field(default_factory=Waiters)


def _is_outage(exc: BaseException) -> bool:
    """A database gone (a broken connection) or frozen: no answer within the client's own
    timeout, `CLIENT_TIMEOUT_MARGIN_SECONDS` past the statement timeout PostgreSQL keeps."""
    if isinstance(exc, TimeoutError):
        return True
    return isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)) and not isinstance(
        exc, errors.QueryCanceled
    )


@asynccontextmanager
async def cursor(db: Database) -> AsyncIterator[aiopg.Cursor]:
    """A cursor on a connection of the pool, for one or more statements. A database that is
    down or failing over is a 503; the pool's idle connections are closed then, since they
    are broken too, so that the first request after the outage gets a new one."""
    try:
        try:
            with db.waiters.waiting():
                async with asyncio.timeout(db.acquire_timeout):
                    conn = await db.pool.acquire()
        except TimeoutError:
            raise DatabaseUnavailable("No database connection is free; try again later") from None
        try:
            async with conn.cursor() as cur:
                yield cur
        finally:
            await db.pool.release(conn)
        db.outage.answered()
    except Exception as exc:
        if not _is_outage(exc):
            raise
        db.outage.failed(str(exc).strip() or type(exc).__name__)
        await db.pool.clear()
        raise DatabaseUnavailable("The database is unreachable; try again later") from None


Query = str | pg.Composable | Fragment  # with named parameters, but for a Fragment


async def execute(cur: aiopg.Cursor, query: Query, params: Mapping | None = None) -> None:
    text, values = (query.text, query.params) if isinstance(query, Fragment) else (query, params)
    try:
        await cur.execute(text, values)
    except errors.QueryCanceled:
        raise _timed_out() from None
    except asyncio.CancelledError:
        # aiopg turns a statement PostgreSQL cancelled (statement_timeout) into CancelledError;
        # only a task that is being cancelled itself should see one.
        if asyncio.current_task().cancelling():
            raise
        raise _timed_out() from None


async def fetch_all(cur: aiopg.Cursor, query: Query, params: Mapping | None = None) -> list[Row]:
    await execute(cur, query, params)
    names = [column.name for column in cur.description]
    return [dict(zip(names, row)) for row in await cur.fetchall()]


async def fetch_one(cur: aiopg.Cursor, query: Query, params: Mapping | None = None) -> Row | None:
    rows = await fetch_all(cur, query, params)
    return rows[0] if rows else None


async def fetch_value(cur: aiopg.Cursor, query: Query, params: Mapping | None = None) -> Any:
    """The first column of the first row, or None when there is no row."""
    await execute(cur, query, params)
    row = await cur.fetchone()
    return None if row is None else row[0]


@asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[aiopg.Cursor]:
    """A cursor whose statements commit together at the end of the block, or not at all."""
    async with cursor(db) as cur, cur.begin():
        yield cur


async def undone_alone_if_stuck[T](cur: aiopg.Cursor, part: Callable[[], Awaitable[T]]) -> T | None:
    """Run `part` in a savepoint of the caller's transaction. When the database cannot finish
    it (a lock held past the statement timeout, a deadlock), only its statements are undone and
    None is returned: the transaction goes on and may still commit."""
    await execute(cur, "SAVEPOINT part")
    try:
        done = await part()
    except (QueryTimeout, errors.TransactionRollbackError):
        await execute(cur, "ROLLBACK TO SAVEPOINT part")
        return None
    await execute(cur, "RELEASE SAVEPOINT part")
    return done
