"""python -m bench stalled: another client's reads while exports that nobody reads stay open.

Starts its own PostgreSQL (pgserver), media on the local disk and the api under a temporary
directory, generates `--memes` memes (an export of several MB: more than socket buffers take),
then, with 0 (the reference), 10 and 50 exports open from as many addresses (127.0.0.2 and up),
each a socket with a 4 KiB receive buffer that reads the answer's head and then nothing, times
`--reads` reads of another client (127.0.0.1), one at a time: `GET /memes/{id}` of a random meme
and the first page, alternating. It prints p50, p99 and max, the answers that were not 200, the
connections PostgreSQL shows idle in a transaction, and the api's RSS. The exports stay open for
the whole measurement (`STREAM_SEND_TIMEOUT_SECONDS` is raised for the run); rate limits are off.
"""

import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import psycopg2

from api.db.connection import apply_migrations
from bench.load import free_port, wait_healthy

TARGET_P99_MS = 100
IDLE_IN_TRANSACTION = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"


def stalled_get(port: int, path: str, address: str) -> tuple[socket.socket, int]:
    """A client at `address` (any of 127.0.0.0/8) that sends GET `path`, reads the answer's
    head and then no more, with a receive buffer of 4 KiB, so that the server's writes stall.
    The open socket, for the caller to close, and the status."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.bind((address, 0))
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: memes\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        byte = sock.recv(1)  # a byte at a time: nothing past the head is read
        if not byte:
            raise ConnectionError(f"closed after {head!r}")
        head += byte
    return sock, int(head.split(b" ", 2)[1])


def timed_reads(api: str, memes: int, count: int) -> tuple[list[float], int]:
    """Milliseconds of each read, and how many were not 200."""
    took, failed = [], 0
    with httpx.Client(base_url=api, timeout=30) as http:
        for n in range(count):
            path = f"/memes/{random.randint(1, memes)}" if n % 2 else "/memes?limit=20"
            started = time.perf_counter()
            failed += http.get(path).status_code != 200
            took.append((time.perf_counter() - started) * 1000)
    return took, failed


def measure(api: str, port: int, database: str, process: psutil.Process, stalled: int,
            memes: int, reads: int) -> str:  # fmt: skip
    held = []
    try:
        for n in range(stalled):
            held.append(stalled_get(port, "/memes/export", f"127.0.0.{n + 2}"))
        time.sleep(1)  # each has written what its socket takes, and waits
        took, failed = timed_reads(api, memes, reads)
        with psycopg2.connect(database) as conn, conn.cursor() as cursor:
            cursor.execute(IDLE_IN_TRANSACTION)
            (idle,) = cursor.fetchone()
        conn.close()
        rss = process.memory_info().rss / 2**20
    finally:
        for sock, _ in held:
            sock.close()
    opened = sum(status == 200 for _, status in held)
    p99 = statistics.quantiles(took, n=100, method="inclusive")[98]
    verdict = "ok" if p99 < TARGET_P99_MS and not failed else "MISSED"
    label = f"{stalled} ({opened} answered 200)" if stalled else "0 (reference)"
    return (
        f"{label:22} {statistics.median(took):7.2f} {p99:7.2f} {max(took):8.2f}"
        f" {failed:8} {idle:8} {rss:8.0f}   {verdict}"
    )


def run(root: Path, memes: int, reads: int) -> None:
    import pgserver

    server = pgserver.get_server(root / "postgres", cleanup_mode="stop")
    database = server.get_uri()
    apply_migrations(database)
    media_port, api_port = free_port(), free_port()
    env = os.environ | {
        "DATABASE_URL": database, "MEDIA_TOKEN": secrets.token_urlsafe(24),
        "APPLY_MIGRATIONS": "false", "MEDIA_PORT": str(media_port),
        "MEDIA_STORAGE_DIR": str(root / "media"), "MEDIA_URL": f"http://127.0.0.1:{media_port}",
        "API_PORT": str(api_port), "DATA_DIR": str(root), "TMPDIR": str(root),
        "ACCESS_LOG": "false", "LOG_LEVEL": "WARNING", "RATE_LIMIT_READS": "0",
        "RECONCILE_INTERVAL_SECONDS": "0", "API_METRICS_PORT": "0", "MEDIA_METRICS_PORT": "0",
        "STREAM_SEND_TIMEOUT_SECONDS": "600",
    }  # fmt: skip
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    started = [subprocess.Popen([sys.executable, "-m", "media"], env=env, **quiet)]
    try:
        wait_healthy(f"{env['MEDIA_URL']}/health")
        subprocess.run(
            [sys.executable, "-m", "api", "fixtures", "generate", "--count", str(memes)],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(subprocess.Popen([sys.executable, "-m", "api", "serve"], env=env, **quiet))
        api = f"http://127.0.0.1:{api_port}"
        wait_healthy(f"{api}/health")
        process = psutil.Process(started[-1].pid)
        print(
            f"{memes:,} memes; {reads} reads of another client, one at a time (GET /memes/{{id}}"
            f" and the first page, alternating); DB_POOL_SIZE 10"
        )
        print(
            f"{'stalled exports':22} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>8} {'non-200':>8}"
            f" {'idle tx':>8} {'RSS MB':>8}"
        )
        for stalled in (0, 10, 50):
            print(measure(api, api_port, database, process, stalled, memes, reads), flush=True)
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=30)
        server.cleanup()


def main(memes: int = 20_000, reads: int = 400) -> None:
    with tempfile.TemporaryDirectory(prefix="memes-bench-stalled-") as root:
        run(Path(root), memes, reads)
