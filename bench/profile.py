"""Where a server process's time goes under load: py-spy samples its Python stacks while wrk
loads it, and the frames are ranked by the share of busy samples they are on (inclusive: a
function and all it calls) and by the share they are at the top of (self: its own code).
Samples of the process waiting for work (the event loop idle) are left out by py-spy."""

import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from bench.load import Load, wrk

# Installed beside this Python (the dev extra), or on PATH.
PY_SPY = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
RATE = 250  # samples a second: enough for shares to a percent in a few seconds
# "_handle (/.../site-packages/aiohttp/web_app.py:512)" -> "aiohttp/web_app.py:_handle"
FRAME = re.compile(r"^(?P<function>.+?) \((?P<path>.+?)(?::\d+)?\)$")
# Where paths start: the libraries', the standard library's, this checkout's.
ROOTS = (f"{os.sep}site-packages{os.sep}", os.path.dirname(os.__file__) + os.sep,
         str(Path(__file__).resolve().parent.parent) + os.sep)  # fmt: skip


def frame_name(frame: str) -> str:
    found = FRAME.match(frame)
    if found is None:
        return frame
    path = found["path"]
    for root in ROOTS:
        if root in path:
            path = path.split(root, 1)[1]
    return f"{path}:{found['function']}"


def area(frame: str) -> str:
    """The package a frame is in (`aiohttp`, `api/web`, `logging`), or the loop's own."""
    path = frame.split(":", 1)[0]
    parts = path.split("/")
    if parts[0] in ("api", "common", "media") and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0] == "asyncio" and frame.endswith("Runner.run"):
        return "the event loop (uvloop's C, under Runner.run)"
    return parts[0].removesuffix(".py")


def sample(pid: int, seconds: int, out: Path) -> Counter[tuple[str, ...]]:
    """Stacks (outermost first) and how many samples were on each."""
    subprocess.run(
        [PY_SPY, "record", "-p", str(pid), "-d", str(seconds), "-r", str(RATE), "-f", "raw",
         "-o", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        stacks[tuple(frame_name(frame) for frame in stack.split(";"))] += int(count)
    return stacks


def profiled(pid: int, url: str, seconds: int, out: Path, **wrk_options) -> tuple[Load, str]:
    """`url` loaded with wrk for `seconds` while the process is sampled; the load and the
    ranking, as a Markdown table."""
    if PY_SPY is None:
        raise SystemExit("no py-spy: pip install py-spy (the dev extra has it)")
    stacks: Counter[tuple[str, ...]] = Counter()
    sampler = threading.Thread(target=lambda: stacks.update(sample(pid, seconds - 1, out)))
    sampler.start()
    load = wrk(url, seconds, **wrk_options)
    sampler.join()
    return load, ranking(stacks, seconds - 1)


def ranking(stacks: Counter[tuple[str, ...]], seconds: int, top: int = 12) -> str:
    busy = sum(stacks.values())
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for stack, count in stacks.items():
        for frame in set(stack):
            inclusive[frame] += count
        own[stack[-1]] += count
    areas: Counter[str] = Counter()
    for frame, count in own.items():
        areas[area(frame)] += count

    def share(count: int) -> str:
        return f"{count / busy:.0%}"

    busy_share = f"busy in {busy / (seconds * RATE):.0%} of the samples ({busy:,})"
    lines = [
        f"{busy_share}; shares of the busy samples. Self time by package:",
        "",
        "| package | self |",
        "|---|---|",
        *(f"| `{name}` | {share(count)} |" for name, count in areas.most_common(top)),
        "",
        "Frames, inclusive (a function and all it calls) and self:",
        "",
        "| frame | inclusive | self |",
        "|---|---|---|",
    ]
    # Frames on (nearly) every stack are the way in from the loop: their self is the loop's.
    shown = [frame for frame, n in inclusive.most_common() if n < 0.95 * busy][:top]
    shown += [frame for frame, _ in own.most_common(top) if frame not in shown]
    for frame in sorted(shown, key=lambda f: (-inclusive[f], -own[f])):
        lines.append(f"| `{frame}` | {share(inclusive[frame])} | {share(own[frame])} |")
    return "\n".join(lines)
