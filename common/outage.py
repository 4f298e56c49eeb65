"""A dependency's outage, logged once when it starts and once when it ends, however many calls
fail in between (an outage of media used to log a warning per failed call: 1,500 lines in five
seconds of load)."""

import logging
import time

from prometheus_client import Gauge

UP = Gauge("dependency_up", "1 while the dependency answers, 0 during an outage", ["dependency"])


class Outage:
    def __init__(self, dependency: str, log: logging.Logger) -> None:
        self.dependency, self.log = dependency, log
        self.since: float | None = None
        self.failures = 0
        UP.labels(dependency).set(1)

    def failed(self, reason: object) -> None:
        self.failures += 1
        if self.since is None:
            self.since = time.monotonic()
            UP.labels(self.dependency).set(0)
            self.log.warning("%s outage started: %s", self.dependency, reason)

    def answered(self) -> None:
        if self.since is not None:
            self.log.warning(
                "%s outage ended after %.1f s, %d failed calls",
                self.dependency,
                time.monotonic() - self.since,
                self.failures,
            )
            self.since, self.failures = None, 0
            UP.labels(self.dependency).set(1)
