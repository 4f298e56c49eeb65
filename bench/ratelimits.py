"""python -m bench ratelimits: what the rate limit of reads costs a read, in one run.

Starts its own PostgreSQL (pgserver) and media, generates `--memes` memes, then two apis on
the same database: one with the rate limits off (`RATE_LIMIT_READS=0`), one with them on and a
quota that one wrk client cannot spend. Loads each with wrk (-t2 -c64, `--duration` s, median
of `--runs`, the two alternating): `GET /memes/{id}` (random ids) and `GET /memes?limit=20`.
Also prints the rows the limited api wrote to the `rate_limits` table per read (the counts of
`pg_stat_user_tables`): one per read where each read upserts its client's row; a few per
second, whatever the load, where reads are settled in batches.
"""

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

from api.db.connection import apply_migrations
from bench.load import Load, free_port, median, wrk
from bench.serving import RANDOM_IDS, start

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


def run(root: Path, memes: int, duration: int, runs: int) -> None:
    import pgserver

    server = pgserver.get_server(root / "postgres", cleanup_mode="stop")
    database = server.get_uri()
    apply_migrations(database)
    media_port, off_port, on_port = free_port(), free_port(), free_port()
    env = os.environ | {
        "DATABASE_URL": database, "MEDIA_TOKEN": secrets.token_urlsafe(24),
        "APPLY_MIGRATIONS": "false", "MEDIA_PORT": str(media_port),
        "MEDIA_STORAGE_DIR": str(root / "media"), "MEDIA_URL": f"http://127.0.0.1:{media_port}",
        "DATA_DIR": str(root), "TMPDIR": str(root), "ACCESS_LOG": "false", "LOG_LEVEL": "WARNING",
        "RECONCILE_INTERVAL_SECONDS": "0", "API_METRICS_PORT": "0", "MEDIA_METRICS_PORT": "0",
    }  # fmt: skip
    started = [start(["media"], env, f"{env['MEDIA_URL']}/health")]
    try:
        subprocess.run(
            [sys.executable, "-m", "api", "fixtures", "generate", "--count", str(memes)],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        apis = {"off": off_port, "on": on_port}
        for name, port in apis.items():
            quota = "0" if name == "off" else str(UNSPENDABLE)
            api_env = env | {"API_PORT": str(port), "RATE_LIMIT_READS": quota}
            started.append(start(["api", "serve"], api_env, f"http://127.0.0.1:{port}/health"))
        script = root / "random-ids.lua"
        script.write_text(RANDOM_IDS.replace("{top}", str(memes)))
        requests = {
            "GET /memes/{id} (random ids)": ("/", {"script": script}),
            "GET /memes?limit=20": ("/memes?limit=20", {}),
        }
        print(
            f"{memes:,} memes; wrk -t2 -c64 -d{duration}s, median of {runs} runs, limits off and"
            " on alternating"
        )
        loads: dict[tuple[str, str], list[Load]] = {}
        written, reads = 0, 0
        for _ in range(runs):
            for request, (path, options) in requests.items():
                for name, port in apis.items():
                    before = rows_written(database) if name == "on" else 0
                    load = wrk(f"http://127.0.0.1:{port}{path}", duration, **options)
                    loads.setdefault((request, name), []).append(load)
                    if name == "on":
                        written += rows_written(database) - before
                        reads += round(load.requests_per_second * duration)
        print(f"{'request':30} {'off req/s':>9} {'on req/s':>9} {'on/off':>6} {'on p99 ms':>9}")
        for request in requests:
            off, on = median(loads[request, "off"]), median(loads[request, "on"])
            print(
                f"{request:30} {off.requests_per_second:9.0f} {on.requests_per_second:9.0f}"
                f" {on.requests_per_second / off.requests_per_second:6.2f} {on.p99_ms:9.1f}"
            )
        print(f"rate_limits rows written with limits on: {written:,} for {reads:,} reads")
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=30)
        server.cleanup()


def main(memes: int = 20_000, duration: int = 4, runs: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="memes-bench-ratelimits-") as root:
        run(Path(root), memes, duration, runs)
