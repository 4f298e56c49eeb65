"""A process that ends when the process it works for ends, however that one ends (SIGKILL, the
OOM killer): image workers and api workers are never left behind holding memory or a port.

Image workers cannot rely on their parent for this. They are forked by multiprocessing's fork
server, and each inherits the pipe whose end-of-file tells the fork server that its service is
gone: while the workers live the fork server waits, and the workers wait for tasks that never
come (8 processes and 1.58 GB left after SIGKILL of the api and of the worker). So each watches
the service itself; once the workers are gone, the fork server and the resource tracker see
their pipes close and exit by themselves.
"""

import os
import select
import signal
import threading
import time

POLL_SECONDS = 0.5  # where the process cannot be waited on (no pidfd): how often to look


def end_with(pid: int) -> None:
    """End this process (SIGKILL, as if killed with the other) as soon as process `pid` ends;
    at once if it has ended already."""
    try:
        # Linux 5.3+: readable the moment the process ends, whatever reuses its pid later.
        watched = os.pidfd_open(pid)
    except ProcessLookupError:
        _end()
    except (AttributeError, OSError):  # not Linux, or an older kernel: look now and then
        threading.Thread(target=_poll, args=(pid,), name="lifeline", daemon=True).start()
    else:
        threading.Thread(target=_wait, args=(watched,), name="lifeline", daemon=True).start()


def _wait(watched: int) -> None:
    select.select([watched], [], [])
    _end()


def _poll(pid: int) -> None:
    while True:
        time.sleep(POLL_SECONDS)
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):  # gone (its pid another user's now)
            _end()


def _end() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
