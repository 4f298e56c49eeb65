"""wrk runs and their figures, for the benchmarks that load a server."""

import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


# Answers other than 2xx or 3xx a run may have before it is taken for a broken one (a wrong
# URL is all errors): a few 503s (a pool timeout on a machine overloaded by others) are
# counted and reported, not fatal.
MOST_ERRORS = 0.1


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int = 0  # answers other than 2xx or 3xx
    # CPU time the server's process spent per request, µs (when its pid is given): a figure
    # that others' work on a shared machine disturbs far less than req/s.
    cpu_us: float | None = None


def wrk(
    url: str,
    duration: int,
    connections: int = 64,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
    pid: int | None = None,
) -> Load:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    server = psutil.Process(pid) if pid else None
    cpu_before = _cpu_seconds(server) if server else 0.0
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu = _cpu_seconds(server) - cpu_before if server else None
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    found = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(found.group(1)) if found else 0
    if errors > MOST_ERRORS * requests:
        sys.exit(f"{url} answered errors:\n{out}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.MULTILINE))
    return Load(
        float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        _ms(latency["50"]),
        _ms(latency["99"]),
        errors,
        None if cpu is None else cpu / requests * 1e6,
    )


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def median(loads: list[Load]) -> Load:
    """The median of each figure; the errors of all the runs."""
    cpu = [load.cpu_us for load in loads if load.cpu_us is not None]
    return Load(
        *(
            statistics.median(getattr(load, name) for load in loads)
            for name in ("requests_per_second", "p50_ms", "p99_ms")
        ),
        sum(load.errors for load in loads),
        statistics.median(cpu) if cpu else None,
    )


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS[unit]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{url} did not come up")
