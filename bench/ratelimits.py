"""python -m bench ratelimits: what the rate limit of reads costs a read, in one run.

Starts its own PostgreSQL (pgserver) and media, generates `--memes` memes, then two apis on
the same database: one with the rate limits off (`RATE_LIMIT_READS=0`), one with them on and a
quota that one wrk client cannot spend. Loads each with wrk (-t2 -c64, `--duration` s, median
of `--runs`, the two alternating): `GET /memes/{id}` (random ids) and `GET /memes?limit=20`.
Also prints the CPU time a read costs the api process and PostgreSQL (all its processes; steadier
than req/s on a busy machine), and the rows the limited api wrote to the `rate_limits` table
(`pg_stat_user_tables`): one per read where each read upserts its client's row; a few per
second, whatever the load, where reads are settled in batches.
"""

import tempfile
import time
from pathlib import Path

import psutil
import psycopg2

from bench.load import Load, median, wrk
from bench.loop import SHIPPED
from bench.stack import generated

UNSPENDABLE = 1_000_000_000  # reads per window: wrk's one client never reaches it
WRITES = """
SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE relname = 'rate_limits'
"""


def rows_written(database: str) -> int:
    time.sleep(1.5)  # a backend reports its counts at most once a second
    with psycopg2.connect(database) as conn, conn.cursor() as cursor:
        cursor.execute(WRITES)
        (count,) = cursor.fetchone()
    conn.close()
    return count or 0


def cpu_seconds(process: psutil.Process) -> float:
    """CPU time so far of a process and its children (PostgreSQL's backends)."""
    return sum(sum(p.cpu_times()[:2]) for p in [process, *process.children(recursive=True)])


def run(root: Path, memes: int, duration: int, runs: int) -> None:
    with generated(root, memes, SHIPPED) as stack:
        apis = {
            "off": stack.api(SHIPPED, RATE_LIMIT_READS="0", ACCESS_LOG="false"),
            "on": stack.api(SHIPPED, RATE_LIMIT_READS=str(UNSPENDABLE), ACCESS_LOG="false"),
        }
        processes = {name: psutil.Process(api.pid) for name, api in apis.items()}
        database = stack.database
        pid = int((root / "postgres" / "postmaster.pid").read_text().split()[0])
        postgres = psutil.Process(pid)
        script = stack.random_ids
        requests = {
            "GET /memes/{id} (random ids)": ("/", {"script": script}),
            "GET /memes?limit=20": ("/memes?limit=20", {}),
        }
        print(
            f"{memes:,} memes; wrk -t2 -c64 -d{duration}s, median of {runs} runs, limits off and"
            " on alternating"
        )
        loads: dict[tuple[str, str], list[Load]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}  # api's, PostgreSQL's seconds; reads
        written, reads = 0, 0
        for _ in range(runs):
            for request, (path, options) in requests.items():
                for name, api in apis.items():
                    before = rows_written(database) if name == "on" else 0
                    spent = [cpu_seconds(processes[name]), cpu_seconds(postgres)]
                    load = wrk(f"{api.url}{path}", duration, **options)
                    done = load.requests_per_second * duration
                    totals = cpu.setdefault((request, name), [0.0, 0.0, 0.0])
                    totals[0] += cpu_seconds(processes[name]) - spent[0]
                    totals[1] += cpu_seconds(postgres) - spent[1]
                    totals[2] += done
                    loads.setdefault((request, name), []).append(load)
                    if name == "on":
                        written += rows_written(database) - before
                        reads += round(done)
        print(
            f"{'request':30} {'off req/s':>9} {'on req/s':>9} {'on/off':>6} | CPU ms per read,"
            " off -> on: api, PostgreSQL"
        )
        for request in requests:
            off, on = median(loads[request, "off"]), median(loads[request, "on"])
            per_read = [
                [seconds * 1000 / cpu[request, name][2] for seconds in cpu[request, name][:2]]
                for name in ("off", "on")
            ]
            print(
                f"{request:30} {off.requests_per_second:9.0f} {on.requests_per_second:9.0f}"
                f" {on.requests_per_second / off.requests_per_second:6.2f} |"
                f" {per_read[0][0]:.3f} -> {per_read[1][0]:.3f},"
                f" {per_read[0][1]:.3f} -> {per_read[1][1]:.3f}"
            )
        print(f"rate_limits rows written with limits on: {written:,} for {reads:,} reads")


def main(memes: int = 20_000, duration: int = 4, runs: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="memes-bench-ratelimits-") as root:
        run(Path(root), memes, duration, runs)
