"""Uploads in progress, counted so that slow clients cannot pile them up."""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from api.errors import Busy, RateLimited


class UploadSlots:
    """Uploads in progress in this process: in all, and by client."""

    def __init__(self, total: int, per_client: int) -> None:
        self.total, self.per_client = total, per_client
        self.by_client: Counter[str] = Counter()

    @contextmanager
    def hold(self, client: str) -> Iterator[None]:
        if self.by_client[client] >= self.per_client:
            raise RateLimited(
                f"At most {self.per_client} uploads at once from one client", retry_after=5
            )
        if self.by_client.total() >= self.total:
            raise Busy(f"{self.total} uploads are in progress; try again shortly")
        self.by_client[client] += 1
        try:
            yield
        finally:
            self.by_client[client] -= 1
            if not self.by_client[client]:
                del self.by_client[client]
