"""What a chaos run checks once its load has stopped (bench/chaos.py prints them); the
memes themselves are checked in bench/chaos_memes.py."""

import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request
from dataclasses import dataclass, field

import psutil
import psycopg2

from bench.chaos_clients import (
    ALLOWED,
    CLIENT_TIMEOUT,
    SLOW_KINDS,
    TIMED_OUT,
    Ledger,
)
from bench.chaos_stack import Stack
from tests.helpers import MEDIA_TOKEN

SETTLE_SECONDS = 5.0  # after a fault ends, the time a 503 may still be its echo
GRACE_SECONDS = 10.0  # for what must hold "eventually": no transaction left open, no orphan


@dataclass
class Check:
    name: str
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else []
    conn.close()
    return rows


def statuses(ledger: Ledger) -> list[Check]:
    no_500 = Check("no 500 answer")
    honest = Check("every answer one its request may honestly get")
    in_time = Check(f"every request answered within {CLIENT_TIMEOUT:.0f} s")
    for answer in ledger.answers:
        line = f"+{answer.started:.1f} s {answer.what} ({answer.kind}): {answer.status}"
        if answer.status == 500:
            no_500.failures.append(line + f" {answer.detail}")
        elif answer.status is not None and answer.status not in ALLOWED[answer.kind]:
            honest.failures.append(line + f" {answer.detail}")
        if answer.status is None and answer.detail == TIMED_OUT:
            in_time.failures.append(line + " timed out")
    return [no_500, honest, in_time]


def reads_away_from_faults(ledger: Ledger) -> Check:
    check = Check(f"no JSON read answered 503 more than {SETTLE_SECONDS:.0f} s from a fault")
    for answer in ledger.answers:
        if answer.kind in ("list", "get") and answer.status == 503:
            near = any(
                start <= answer.started + answer.seconds and answer.started <= end + SETTLE_SECONDS
                for _, start, end in ledger.faults
            )
            if not near:
                check.failures.append(f"+{answer.started:.1f} s {answer.what}: 503 {answer.detail}")
    return check


def untrue(ledger: Ledger) -> Check:
    check = Check("the api served what it had just written (read back), ETags name their bytes")
    check.failures = list(ledger.untrue)
    return check


def logged_500s(stack: Stack) -> Check:
    """The api's access log: a 500 a client never saw (it had gone) is still a lie in the log."""
    check = Check("no 500 in the api's access log")
    for line in stack.api.log.read_text(errors="replace").splitlines():
        if '"status": 500' in line:
            record = json.loads(line)
            check.failures.append(f"{record.get('time', '')} {record.get('message', '')}")
    return check


def listed_objects(media_url: str) -> set[str]:
    keys, after = set(), ""
    while True:
        request = urllib.request.Request(
            f"{media_url}/blobs?after={after}&limit=1000",
            headers={"Authorization": f"Bearer {MEDIA_TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            page = json.load(response)["blobs"]
        if not page:
            return keys
        keys |= {blob["key"] for blob in page}
        after = page[-1]["key"]


def reconciled(stack: Stack) -> Check:
    check = Check("after one reconcile: no object without a referent, no referent without one")
    # Uploads the kills cut off still hold their keys, for HOLD_SECONDS (two minutes): no
    # upload is in flight now, so their time is run out rather than waited for.
    query(stack.database_url, "UPDATE object_uploads SET expires_at = now()")
    done = stack.command("reconcile", "--grace-seconds", "0")
    check.notes += [f"reconcile: {line}" for line in done.stdout.splitlines() if line.strip()]
    if done.returncode:
        check.failures.append(f"reconcile exited with {done.returncode}: {done.stderr[-500:]}")
    # The api may still be carrying out a deletion it had begun: both sides are read again
    # until they agree, for GRACE_SECONDS at most.
    deadline = time.monotonic() + GRACE_SECONDS
    while True:
        stored = listed_objects(stack.media.url)
        referenced = {row[0] for row in query(
            stack.database_url, "SELECT sha256 FROM blobs UNION SELECT sha256 FROM thumbnails"
        )}  # fmt: skip
        if stored == referenced or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    pending = query(stack.database_url, "SELECT count(*) FROM object_deletions")[0][0]
    check.notes.append(
        f"{len(stored)} objects stored, {len(referenced)} referred to, {pending} deletions pending"
    )
    check.failures += [f"object {key} has no referent" for key in sorted(stored - referenced)]
    check.failures += [f"{key} is referred to, not stored" for key in sorted(referenced - stored)]
    return check


async def orphans(stack: Stack) -> Check:
    """Processes left in the process group of a service's main process that is gone."""
    check = Check("no image process outlives its parent")
    dead = {g for s in stack.services for g in s.groups if g != s.process.pid}
    left: list[psutil.Process] = []
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        left = []
        for process in psutil.process_iter(["pid", "ppid", "cmdline", "memory_info"]):
            try:
                ours = (process.info["cmdline"] or [""])[0] == sys.executable
                if ours and os.getpgid(process.pid) in dead:
                    left.append(process)
            except ProcessLookupError:
                pass
        if not left:
            break
        await asyncio.sleep(0.5)
    check.notes.append(f"{len(dead)} main processes killed or exited")
    if left:
        rss = sum(p.info["memory_info"].rss for p in left if p.info["memory_info"]) / 1e6
        check.failures.append(f"{len(left)} processes left ({rss:.0f} MB), e.g.:")
        check.failures += [
            f"  pid {p.pid} (parent {p.info['ppid']}): {' '.join(p.info['cmdline'] or [])[:90]}"
            for p in left[:5]
        ]
    return check


async def idle_in_transaction(database_url: str) -> Check:
    check = Check("no connection idle in transaction")
    sql = (
        "SELECT pid, application_name, now() - state_change, left(query, 80)"
        " FROM pg_stat_activity WHERE state LIKE 'idle in transaction%%'"
    )
    deadline = time.monotonic() + GRACE_SECONDS
    while (rows := query(database_url, sql)) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    check.failures += [f"backend {pid} for {age}: {text}" for pid, _, age, text in rows]
    return check


def latency(ledger: Ledger) -> list[str]:
    timed = [a for a in ledger.answers if a.status is not None and a.kind not in SLOW_KINDS]
    if len(timed) < 2:
        return ["too few answers to tell"]
    seconds = sorted(a.seconds for a in timed)
    slowest = max(timed, key=lambda a: a.seconds)
    p99 = statistics.quantiles(seconds, n=100)[98]
    return [
        (
            f"p50 {statistics.median(seconds) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms over"
            f" {len(timed):,} answers (slow clients aside)"
        ),
        (
            f"slowest: {slowest.seconds:.2f} s, {slowest.what} ({slowest.kind}) {slowest.status}"
            f" {slowest.detail} at +{slowest.started:.1f} s"
        ),
    ]
