"""python -m common.supervise [--last NAME] [--first-delay SECONDS] NAME=COMMAND ...:
`make run`'s processes, each restarted when it dies unasked, and stopped in order.

A process that exits by itself (a crash, an OOM kill, SIGKILL) is started again after 1 s
(`--first-delay`; the tests shorten it), then 2, 4, 8 ... (at most MAX_DELAY_SECONDS) while its
deaths keep coming; only the GIVE_UP-th death within WINDOW_SECONDS stops everything, with a
line saying which process and why, and a non-zero exit. A process that keeps dying at once (a
port taken, a broken setting) thus stops the stack in about 15 s rather than retrying for ever.

SIGINT (Ctrl-C), SIGTERM or SIGHUP stop everything: the other processes get SIGTERM, and the
`--last` ones (media: a picture still arriving at the api must find it there) only once the
others have exited. The `--last` ones run in a session of their own, out of reach of the
terminal's Ctrl-C. Every process is told by the kernel to stop (SIGTERM) if this one dies
without stopping them (SIGKILL): none outlives it.
"""

import argparse
import asyncio
import functools
import os
import shlex
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field

from common.lifeline import stop_with_parent

GIVE_UP = 5  # deaths of one process ...
WINDOW_SECONDS = 60  # ... within this long stop everything
FIRST_DELAY_SECONDS = 1.0  # before the first restart; doubled for each death in the window
MAX_DELAY_SECONDS = 30.0
SIGNAL_GRACE_SECONDS = 0.2  # a process that exits this soon before a stop was asked to


def say(line: str) -> None:
    print(f"supervise: {line}", file=sys.stderr, flush=True)


@dataclass
class Program:
    name: str
    command: list[str]
    last: bool  # stopped after the others, in a session of its own
    process: asyncio.subprocess.Process | None = None
    first_delay: float = FIRST_DELAY_SECONDS
    deaths: deque[float] = field(default_factory=deque)

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command,
            start_new_session=self.last,
            preexec_fn=functools.partial(stop_with_parent, os.getpid()),
        )

    def died(self) -> float | None:
        """Count a death; the wait before the restart, or None when it is one too many."""
        now = time.monotonic()
        self.deaths.append(now)
        while self.deaths[0] < now - WINDOW_SECONDS:
            self.deaths.popleft()
        if len(self.deaths) >= GIVE_UP:
            return None
        return min(self.first_delay * 2 ** (len(self.deaths) - 1), MAX_DELAY_SECONDS)


def described(status: int) -> str:
    if status < 0:
        return f"was killed by {signal.Signals(-status).name}"
    return f"exited with status {status}"


async def keep_running(program: Program, stop: asyncio.Event) -> bool:
    """Run `program` until `stop`; False when it died too often (and `stop` is set)."""
    stopping = asyncio.create_task(stop.wait())
    try:
        while True:
            await program.start()
            exited = asyncio.create_task(program.process.wait())
            await asyncio.wait([exited, stopping], return_when=asyncio.FIRST_COMPLETED)
            # A Ctrl-C reaches the program and this process at once: it may exit first.
            await asyncio.wait([stopping], timeout=SIGNAL_GRACE_SECONDS)
            if stop.is_set():
                return True
            delay = program.died()
            how = described(exited.result())
            if delay is None:
                say(
                    f"{program.name} {how}, its {GIVE_UP}th death within {WINDOW_SECONDS} s:"
                    " stopping everything"
                )
                stop.set()
                return False
            say(f"{program.name} {how}; starting it again in {delay:g} s")
            await asyncio.wait([stopping], timeout=delay)
            if stop.is_set():
                return True
    finally:
        stopping.cancel()


async def stop_all(programs: list[Program]) -> None:
    """SIGTERM to each running process, the `--last` ones once the others have exited."""
    for last in (False, True):
        running = [
            program.process
            for program in programs
            if program.last == last and program.process and program.process.returncode is None
        ]
        for process in running:
            process.terminate()
        await asyncio.gather(*(process.wait() for process in running))


async def supervise(programs: list[Program]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    runs = [asyncio.create_task(keep_running(program, stop)) for program in programs]
    try:
        kept = await asyncio.gather(*runs)
    finally:
        for run in runs:
            run.cancel()
        await stop_all(programs)
    return 0 if all(kept) else 1


def parse(argv: list[str]) -> list[Program]:
    parser = argparse.ArgumentParser(prog="python -m common.supervise", description=__doc__)
    parser.add_argument("--last", action="append", default=[], metavar="NAME")
    parser.add_argument(
        "--first-delay", type=float, default=FIRST_DELAY_SECONDS, metavar="SECONDS",
        help="the wait before a dead process's first restart, doubled for each death after",
    )  # fmt: skip
    parser.add_argument("programs", nargs="+", metavar="NAME=COMMAND")
    args = parser.parse_args(argv)
    programs = []
    for spec in args.programs:
        name, _, command = spec.partition("=")
        if not name or not command:
            parser.error(f"not NAME=COMMAND: {spec!r}")
        programs.append(
            Program(name, shlex.split(command), name in args.last, first_delay=args.first_delay)
        )
    if unknown := set(args.last) - {program.name for program in programs}:
        parser.error(f"--last names no program: {', '.join(sorted(unknown))}")
    return programs


if __name__ == "__main__":
    sys.exit(asyncio.run(supervise(parse(sys.argv[1:]))))
