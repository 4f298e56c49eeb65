"""A process that ends when the process it works for ends, however that one ends (SIGKILL, the
OOM killer): image workers and api workers are never left behind holding memory or a port.

Image workers cannot rely on their parent for this. They are forked by multiprocessing's fork
server, and each inherits the pipe whose end-of-file tells the fork server that its service is
gone: while the workers live the fork server waits, and the workers wait for tasks that never
come (8 processes and 1.58 GB left after SIGKILL of the api and of the worker). So each watches
the service itself; once the workers are gone, the fork server and the resource tracker see
their pipes close and exit by themselves.
"""

import ctypes
import os
import select
import signal
import sys
import threading
import time

POLL_SECONDS = 0.5  # where the process cannot be waited on (no pidfd): how often to look
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


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


def stop_with_parent(parent: int) -> None:
    """In a child before it runs its program (`preexec_fn`): on Linux the kernel sends it
    SIGTERM when `parent` dies, even of SIGKILL; it ends at once if `parent` died already.
    Elsewhere, nothing: the parent stops its children itself unless it is killed."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # died before the line above: nobody would tell us
        os._exit(1)
