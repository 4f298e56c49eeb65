"""Which server answers a read, when a replica is set (`DATABASE_REPLICA_URL`).

Lists, search, `/tags` and the export read from the replica, with two exceptions:

- A client that wrote reads from the primary until the replica has replayed its write. After
  each write the client is told the primary's position in its log (a cookie), and this
  process remembers it by the client's address too (for clients that keep no cookies); a read
  compares the later of the two with how far the replica has replayed.
- A replica that is down, out of connections, or cancels a read for a conflict with what it
  replays: the primary answers, and for a few seconds after a failure every read goes there
  (api.db.replica).

A meme by id, and every read made by a write, read from the primary: a meme just created is
never a 404, and a meme's own page never older than its writer's answer.
"""

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from api.db.replica import WRITER_SECONDS, write_position
from api.errors import DatabaseUnavailable, QueryTimeout
from api.services import Services

REMEMBERED_SECONDS = WRITER_SECONDS  # how long a client's last write is remembered
UNKNOWN = 2**63 - 1  # the position of a write whose position could not be asked
# The position of the last write of the client whose request this task answers, if known.
_written: ContextVar[int | None] = ContextVar("written", default=None)


def reading_for(services: Services, client: str, written: int | None) -> None:
    """The request this task answers comes from `client`, whose last write is at `written`
    (its cookie's position) or later (this process's memory)."""
    if services.replica is not None:
        known = [p for p in (written, services.replica.writers.get(client)) if p is not None]
        _written.set(max(known, default=None))


async def wrote(services: Services, client: str) -> int | None:
    """After `client`'s write committed: the primary's position, remembered for the client,
    to hand it back; None without a replica."""
    if services.replica is None:
        return None
    try:
        position = await write_position(services.db)
    except (DatabaseUnavailable, QueryTimeout):
        # The write is done and its answer must say so: past any position the replica will
        # reach, the client reads from the primary for as long as its write is remembered.
        position = UNKNOWN
    services.replica.writers[client] = position
    return position


async def on_replica[T](services: Services, read: Callable[..., Awaitable[T]], *args: object) -> T:
    """`read(db, *args)` with `db` the replica, or the primary (see the module's docstring)."""
    if services.replica is None:
        return await read(services.db, *args)
    return await services.replica.read(services.db, lambda db: read(db, *args), _written.get())
