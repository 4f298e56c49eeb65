"""python -m bench chaos: clients at work while the system is broken at random, then checks.

Starts its own PostgreSQL, S3 (moto behind the fault proxy of tests/s3_proxy.py; or the local
disk with `--store disk`), media, the api and a worker, under a temporary directory. Writers,
readers, exporters and slow clients work for `--seconds` while faults come one after another
at random times: media killed (SIGKILL) and started again, media hung (SIGSTOP, SIGCONT), S3
answering errors, PostgreSQL restarted (pg_ctl stop -m fast, start), the api and the worker
killed (SIGKILL to the main process alone) and started again. The seed is printed first: the
same seed makes the same faults in the same order after the same pauses, and the same client
choices; the machine's timing does the rest. A service that exits by itself is started again,
as compose's restart policy would, and reported. Then the checks (bench/chaos_memes.py and
bench/chaos_checks.py) are printed, and the exit status is 1 when one fails.
"""

import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench import chaos_checks as checks
from bench import chaos_memes
from bench.chaos_clients import CLIENT_TIMEOUT, Ledger, Pictures, pause
from bench.chaos_load import Writer, exporter, reader, slow_client
from bench.chaos_stack import Stack

CLIENTS = {"writers": 4, "readers": 4, "exporters": 1, "slow clients": 6}
# Seconds a fault lasts, from the seed: how long a service is down, hung, or S3 failing.
FAULTS = {
    "media killed": (0.5, 3.0),
    "media hung": (1.0, 4.0),
    "S3 errors": (0.0, 0.0),
    "PostgreSQL restarted": (1.0, 6.0),
    "api killed": (0.0, 1.0),
    "worker killed": (0.0, 2.0),
}
GAP = (1.0, 5.0)  # seconds between faults


def plan(rng: random.Random, kinds: list[str]) -> Iterator[tuple[float, str, float, int]]:
    """Faults for ever: (pause before, kind, seconds, S3 errors), every kind once per round."""
    while True:
        round_ = list(kinds)
        rng.shuffle(round_)
        for kind in round_:
            yield rng.uniform(*GAP), kind, rng.uniform(*FAULTS[kind]), rng.randint(3, 30)


async def inject(stack: Stack, kind: str, seconds: float, errors: int, rng: random.Random) -> str:
    """Break the system and mend it; what was done, in words."""
    if kind == "media killed":
        await down(stack.media, seconds)
    elif kind == "media hung":
        stack.media.pause()
        await asyncio.sleep(seconds)
        stack.media.resume()
    elif kind == "S3 errors":
        status, code = rng.choice([(503, "SlowDown"), (500, "InternalError")])
        stack.s3.fail_next(errors, status, code)
        return f"{kind}: the next {errors} requests {status} {code}"
    elif kind == "PostgreSQL restarted":
        await asyncio.to_thread(stack.stop_postgres)
        await asyncio.sleep(seconds)
        await asyncio.to_thread(stack.start_postgres)
    elif kind == "api killed":
        await down(stack.api, seconds)
    elif kind == "worker killed":
        await down(stack.worker, seconds, health=None)
    return f"{kind}, for {seconds:.1f} s"


async def down(service, seconds: float, health: str | None = "/health") -> None:
    service.busy = True
    try:
        service.crash()
        await asyncio.sleep(seconds)
        await service.up(health)
    finally:
        service.busy = False


async def faults(stack: Stack, ledger: Ledger, rng: random.Random, stop: asyncio.Event,
                 log: list[str]) -> None:  # fmt: skip
    kinds = [kind for kind in FAULTS if stack.s3 or kind != "S3 errors"]
    for gap, kind, seconds, errors in plan(rng, kinds):
        await pause(stop, gap)
        if stop.is_set():
            return
        started = ledger.now()
        what = await inject(stack, kind, seconds, errors, rng)
        ended = ledger.now() if kind != "S3 errors" else started + 2
        ledger.faults.append((kind, started, ended))
        log.append(f"  +{started:6.1f} s  {what} (back at +{ended:.1f} s)")
        print(log[-1], flush=True)


async def supervise(stack: Stack, ledger: Ledger, stop: asyncio.Event, log: list[str]) -> None:
    """A service that exits unasked is started again (compose's restart policy), and noted."""
    while not stop.is_set():
        for service in stack.services:
            if service.busy or (status := service.exited()) is None:
                continue
            tail = service.log.read_text(errors="replace").strip().splitlines()[-1:]
            log.append(f"+{ledger.now():.1f} s {service.name} exited by itself ({status}):"
                       f" {tail[0][:160] if tail else ''}")  # fmt: skip
            print(f"  {log[-1]}", flush=True)
            service.busy = True
            try:
                await asyncio.sleep(1)  # a back-off, as a restart policy has
                await service.up(None if service is stack.worker else "/health")
            finally:
                service.busy = False
        await pause(stop, 0.5)


async def run(root: Path, seconds: float, seed: int, store: str, memes: int) -> bool:
    stack = Stack(root, store)
    try:
        print(f"starting PostgreSQL, {store}, media, the api and a worker; {memes:,} memes")
        started = time.monotonic()
        await stack.start(memes)
        print(f"started in {time.monotonic() - started:.0f} s")
        ledger, stop = Ledger(), asyncio.Event()
        pictures = Pictures(random.Random(f"{seed} pictures"), root)
        api = stack.api.url
        writers = [
            Writer(ledger, api, random.Random(f"{seed} writer {n}"), pictures, f"{seed}-w{n}")
            for n in range(CLIENTS["writers"] + CLIENTS["slow clients"])
        ]
        tasks = [writer.run(stop) for writer in writers[: CLIENTS["writers"]]]
        tasks += [reader(ledger, api, random.Random(f"{seed} reader {n}"), stop)
                  for n in range(CLIENTS["readers"])]  # fmt: skip
        tasks += [exporter(ledger, api, random.Random(f"{seed} exporter {n}"), stop)
                  for n in range(CLIENTS["exporters"])]  # fmt: skip
        tasks += [slow_client(ledger, api, random.Random(f"{seed} slow {n}"), writer, stop)
                  for n, writer in enumerate(writers[CLIENTS["writers"] :])]  # fmt: skip
        fault_log: list[str] = []
        exits: list[str] = []
        print(f"{seconds:.0f} s of {', '.join(f'{n} {k}' for k, n in CLIENTS.items())}; faults:")
        clients = asyncio.gather(*tasks)
        breaking = asyncio.gather(
            faults(stack, ledger, random.Random(f"{seed} faults"), stop, fault_log),
            supervise(stack, ledger, stop, exits),
        )
        await asyncio.sleep(seconds)
        stop.set()
        await breaking
        if stack.s3:
            stack.s3.fail_next(0)  # errors the load left unspent would fail the checks' calls
        await asyncio.wait_for(clients, CLIENT_TIMEOUT + 10)
        for service in stack.services:  # one that died after the last round is needed below
            if service.exited() is not None:
                exits.append(f"{service.name} exited by itself ({service.exited()}) at the end")
                await service.up(None if service is stack.worker else "/health")
        return await report(stack, ledger, exits)
    finally:
        stack.close()


async def report(stack: Stack, ledger: Ledger, exits: list[str]) -> bool:
    counts = Counter((a.kind, a.status or "no answer") for a in ledger.answers)
    print(f"\n{len(ledger.answers):,} requests in {ledger.now():.0f} s; answers by kind:")
    for kind in dict.fromkeys(kind for kind, _ in counts):
        found = ", ".join(f"{status} ×{n}" for (k, status), n in sorted(
            counts.items(), key=lambda item: str(item[0][1])) if k == kind)  # fmt: skip
        print(f"  {kind:15} {found}")
    print(f"{len(ledger.faults)} faults; {len(ledger.memes)} memes made by the writers")
    started = time.monotonic()
    await asyncio.sleep(chaos_memes.AFTER_LOAD_SECONDS)
    found = await chaos_memes.memes_as_answered(ledger, stack.api.url)
    chaos_memes.creates(ledger, stack.database_url, found[2], found[3])
    exited = checks.Check("no service exited by itself", failures=exits)
    found += [
        *checks.statuses(ledger),
        checks.untrue(ledger),
        checks.reads_away_from_faults(ledger),
        await checks.idle_in_transaction(stack.database_url),
        await checks.orphans(stack),
        exited,
        await asyncio.to_thread(checks.reconciled, stack),
        checks.logged_500s(stack),
    ]
    print("\nchecks:")
    for check in found:
        print(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}")
        for line in check.notes:
            print(f"          {line}")
        for line in check.failures[:10]:
            print(f"          {line}")
        if len(check.failures) > 10:
            print(f"          … and {len(check.failures) - 10} more")
    print("answer times:")
    for line in checks.latency(ledger):
        print(f"  {line}")
    failed = [check for check in found if not check.ok]
    checked = time.monotonic() - started
    print(f"\n{len(found) - len(failed)} of {len(found)} checks passed ({checked:.0f} s to check)")
    return not failed


def main(seconds: float = 600, seed: int | None = None, store: str = "s3",
         memes: int = 20_000) -> None:  # fmt: skip
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 32)
    print(f"seed {seed}: python -m bench chaos --seed {seed} --seconds {seconds:g}"
          f" --store {store} --memes {memes}", flush=True)  # fmt: skip
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="memes-chaos-", dir="/tmp") as root:
        passed = asyncio.run(run(Path(root), seconds, seed, store, memes))
    print(f"seed {seed}; {time.monotonic() - started:.0f} s in all")
    sys.exit(0 if passed else 1)
