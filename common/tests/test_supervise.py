"""`make run`'s supervisor (common/supervise.py) as a process: a process killed under it is
started again; one that keeps dying stops everything, with a line saying why; SIGTERM and
Ctrl-C stop everything, the `--last` process after the others, and leave no process behind."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from common.supervise import GIVE_UP, parse
from tests.helpers import MEDIA_TOKEN
from tests.processes import ROOT

pytestmark = pytest.mark.slow

# A service that says it started, takes `linger` seconds to stop on SIGINT or SIGTERM, then
# says it stopped.
SERVICE = """
import signal, sys, time
name, linger = sys.argv[1], float(sys.argv[2])
def stop(*_):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(linger)
    with open("stopped", "a") as log:
        log.write(name + "\\n")
    sys.exit(0)
signal.signal(signal.SIGINT, stop)
signal.signal(signal.SIGTERM, stop)
with open("started", "a") as log:
    log.write(name + "\\n")
while True:
    time.sleep(1)
"""


def service(name: str, linger: float = 0) -> str:
    return f"{name}={sys.executable} -c '{SERVICE}' {name} {linger}"


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            if entry.name.isdigit() and int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:  # gone meanwhile
            pass
    return {child: cmdline.decode() for child, cmdline in found.items()}


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def started(tmp_path: Path, count: int) -> bool:
    file = tmp_path / "started"
    return file.exists() and len(file.read_text().splitlines()) == count


def until(check: Callable[[], object], seconds: float = 20) -> object:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)
    return result


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    started = []

    def start(*args: str, **env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "common.supervise", *args],
            cwd=tmp_path,
            env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env},
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a process group of its own, as a terminal's job has
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def test_a_worker_killed_is_started_again_and_sigterm_stops_everything(
    supervisor, database_url, tmp_path
):
    worker = f"worker={sys.executable} -m api worker"
    stack = supervisor(
        "--last", "media", service("media"), service("api"), worker,
        DATABASE_URL=database_url, MEDIA_URL="http://127.0.0.1:9", MEDIA_TOKEN=MEDIA_TOKEN,
        APPLY_MIGRATIONS="false", TMPDIR=str(tmp_path),
    )  # fmt: skip

    def worker_pid() -> int | None:
        return next((pid for pid, cmd in children(stack.pid).items() if "api worker" in cmd), None)

    first = until(worker_pid)
    until(lambda: started(tmp_path, 2))
    seen = set(children(stack.pid))
    os.kill(first, signal.SIGKILL)
    again = until(lambda: (pid := worker_pid()) != first and pid)
    assert stack.poll() is None
    seen |= set(children(stack.pid))

    stack.terminate()
    assert stack.wait(30) == 0
    assert not [pid for pid in seen if running(pid)]
    assert (tmp_path / "stopped").read_text() == "api\nmedia\n"  # media last
    assert "worker was killed by SIGKILL; starting it again in 1 s" in stack.stderr.read()
    assert again != first


def test_a_process_that_keeps_dying_stops_everything_with_a_line(supervisor, tmp_path):
    crashing = f"api={sys.executable} -c 'import sys; sys.exit(3)'"
    # make run's waits are 1, 2, 4 and 8 s (the test below): a quarter of them here.
    stack = supervisor("--last", "media", "--first-delay", "0.25", service("media"), crashing)
    started = time.monotonic()
    assert stack.wait(60) == 1
    # Started again after 0.25, 0.5, 1 and 2 s: the fifth death stops everything.
    assert 3.75 <= time.monotonic() - started < 15
    lines = stack.stderr.read().splitlines()
    assert [line for line in lines if line.startswith("supervise: ")] == [
        "supervise: api exited with status 3; starting it again in 0.25 s",
        "supervise: api exited with status 3; starting it again in 0.5 s",
        "supervise: api exited with status 3; starting it again in 1 s",
        "supervise: api exited with status 3; starting it again in 2 s",
        "supervise: api exited with status 3, its 5th death within 60 s: stopping everything",
    ]
    assert (tmp_path / "stopped").read_text() == "media\n"


def test_make_runs_waits_before_a_restart_are_1_2_4_8_s_then_it_gives_up():
    (program,) = parse(["api=true"])
    assert [program.died() for _ in range(GIVE_UP)] == [1, 2, 4, 8, None]


def test_ctrl_c_stops_media_after_the_others(supervisor, tmp_path):
    stack = supervisor("--last", "media", service("media"), service("api", 1), service("worker"))
    until(lambda: started(tmp_path, 3))
    seen = set(children(stack.pid))
    os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C: media, in a session of its own, is spared
    assert stack.wait(30) == 0
    assert not [pid for pid in seen if running(pid)]
    assert (tmp_path / "stopped").read_text().splitlines()[-1] == "media"
    assert "supervise:" not in stack.stderr.read()  # nothing died unasked


def test_no_process_outlives_a_killed_supervisor(supervisor, tmp_path):
    stack = supervisor("--last", "media", service("media"), service("api"))
    until(lambda: started(tmp_path, 2))
    seen = set(children(stack.pid))
    stack.kill()
    stack.wait()
    until(lambda: not [pid for pid in seen if running(pid)], 5)
    assert sorted((tmp_path / "stopped").read_text().splitlines()) == ["api", "media"]
