"""python -m bench list: against a running stack (make run) or one of its own (--data-dir).

Prints what bench/listing.py measures (one client, a mix under 64 clients, sizes), then for a
few queries the req/s under load (wrk -t2 -c64, median of --runs) beside a bare reference
app started here (runs alternate), and a full export with the api process's peak RSS.
"""

import argparse
import asyncio
import re
import subprocess
import sys
import time

import aiohttp
import psutil
import psycopg2

from api.db.connection import database_url
from api.settings import ApiSettings
from api.values.listing import encode_cursor, listing
from bench import listing as bench_listing
from bench.load import Load, median, wrk

REFERENCE_PORT = 8090


def listening_process(port: int) -> psutil.Process | None:
    for connection in psutil.net_connections("tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
            return psutil.Process(connection.pid)
    return None


def peak_rss_mb(process: psutil.Process) -> float:
    status = open(f"/proc/{process.pid}/status").read()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def deep_cursor(url: str, settings: ApiSettings, depth: int) -> str:
    """A valid cursor `depth` memes deep into the default order, signed as the api would."""
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT created_at, id FROM memes ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1",
            (depth,),
        )
        created_at, meme_id = cursor.fetchone()
    conn.close()
    return encode_cursor(
        listing(None, None, [], [], None, None), created_at, meme_id, settings.cursor_key()
    )


async def export(api: str, process: psutil.Process) -> None:
    before = peak_rss_mb(process)
    rows, started = 0, time.monotonic()
    timeout = aiohttp.ClientTimeout(total=None, sock_read=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(f"{api}/memes/export") as response:
            async for chunk in response.content.iter_chunked(1 << 16):
                rows += chunk.count(b"\n")
    seconds = time.monotonic() - started
    after = peak_rss_mb(process)
    print(
        f"export: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; api peak RSS"
        f" {before:.1f} MB before, {after:.1f} MB after (+{after - before:.1f} MB)"
    )


def main(args: argparse.Namespace) -> None:
    if args.data_dir is not None:
        with bench_listing.own_stack(args.data_dir.resolve(), args.memes) as (api, db_url):
            run_list(args, api, db_url, listening_process(int(api.rsplit(":", 1)[1])))
        return
    port = int(args.api.rsplit(":", 1)[1])
    api_process = listening_process(port)
    if api_process is None:
        message = (
            f"nothing listens on port {port}: start the stack with `make run` (and fill it with"
            " `python -m api fixtures generate --count 1000000`)"
        )
        if args.if_running:
            print(f"list: skipped, {message}")
            return
        sys.exit(message)

    async def url() -> str:
        async with database_url(ApiSettings()) as url:
            return url

    run_list(args, args.api, asyncio.run(url()), api_process)


def run_list(args: argparse.Namespace, api: str, db_url: str, api_process: psutil.Process):
    settings = ApiSettings()
    with psycopg2.connect(db_url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT memes FROM meme_count")
        (count,) = cursor.fetchone()
        cursor.execute("SELECT id FROM memes ORDER BY id OFFSET %s LIMIT 1", (count // 2,))
        (middle_id,) = cursor.fetchone()
    conn.close()
    cursor = deep_cursor(db_url, settings, count // 2)
    bench_listing.report(api, db_url, middle_id, cursor, args.requests, args.mix_seconds)
    if args.runs:
        under_load_and_reference(args, api, db_url, settings, count, middle_id, cursor)
    if not args.no_export:
        asyncio.run(export(api, api_process))


def under_load_and_reference(
    args: argparse.Namespace,
    api: str,
    db_url: str,
    settings: ApiSettings,
    count: int,
    middle_id: int,
    cursor: str,
) -> None:
    print(
        f"{count:,} memes; under load: wrk -t2 -c64 -d{args.duration}s, median of {args.runs} runs"
    )
    queries = {
        "GET /memes?limit=20": "/memes?limit=20",
        "deep cursor page": f"/memes?limit=20&cursor={cursor}",
        "GET /memes?q=keanu+coffee": "/memes?q=keanu+coffee",
        "GET /memes?tags_all=classic&tags_all=work": "/memes?tags_all=classic&tags_all=work",
        "GET /memes/{id}": f"/memes/{middle_id}",
    }
    reference_paths = {"GET /memes?limit=20": "/memes", "GET /memes/{id}": f"/memes/{middle_id}"}
    under_load: dict[str, list[Load]] = {name: [] for name in queries}
    bare: dict[str, list[Load]] = {name: [] for name in reference_paths}
    reference = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.reference",
            "--database-url",
            db_url,
            "--port",
            str(REFERENCE_PORT),
            "--pool-size",
            str(settings.db_pool_size),
        ],
    )
    try:
        time.sleep(2)
        # Runs of the api and the reference alternate, so that drift hits both alike.
        for _ in range(args.runs):
            for name, path in queries.items():
                under_load[name].append(wrk(api + path, args.duration))
                if name in reference_paths:
                    bare[name].append(
                        wrk(
                            f"http://127.0.0.1:{REFERENCE_PORT}{reference_paths[name]}",
                            args.duration,
                        )
                    )
    finally:
        reference.terminate()
        reference.wait()
    print(
        f"{'query':42} {'1 client p50 ms':>15} | {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'vs bare':>7}"
    )
    for name, path in queries.items():
        alone = wrk(api + path, 5, connections=1)
        load = median(under_load[name])
        ratio = (
            f"{load.requests_per_second / median(bare[name]).requests_per_second:.2f}"
            if name in bare
            else ""
        )
        print(
            f"{name:42} {alone.p50_ms:15.2f} | {load.requests_per_second:7.0f} {load.p50_ms:7.2f}"
            f" {load.p99_ms:7.2f} {ratio:>7}"
        )
    for name, loads in bare.items():
        load = median(loads)
        print(
            f"{'bare reference ' + name:42} {'':15} | {load.requests_per_second:7.0f} {load.p50_ms:7.2f}"
            f" {load.p99_ms:7.2f}"
        )
