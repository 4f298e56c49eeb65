"""Exports in progress, counted by client: one client cannot keep many open at once."""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from api.errors import RateLimited

# An export of a million memes takes about ten seconds to a client that reads.
RETRY_AFTER_SECONDS = 5


class ExportSlots:
    """Exports in progress in this process, by client."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self.by_client: Counter[str] = Counter()

    @contextmanager
    def hold(self, client: str) -> Iterator[None]:
        if self.by_client[client] >= self.per_client:
            raise RateLimited(
                f"At most {self.per_client} exports at once from one client",
                retry_after=RETRY_AFTER_SECONDS,
            )
        self.by_client[client] += 1
        try:
            yield
        finally:
            self.by_client -= Counter({client: 1})  # a client at 0 is dropped
