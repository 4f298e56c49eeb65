"""python -m bench list | serving | pictures | breaker | trickle | processing | stalled | chaos
| templates

`list`: load figures for the listing endpoints and the export.

Runs against a running stack (`make run`, with `python -m api fixtures generate --count
1000000`): for each query the p50 latency of one client alone (wrk -c1, 5 s) and under load
(wrk -t2 -c64 -d15s, median of 3 runs), the api's req/s as a ratio to a bare reference app
started here (runs alternate), then a full export with the api process's peak RSS around it.
"""

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil
import psycopg2

from api.db.connection import database_url
from api.settings import ApiSettings
from api.values.listing import encode_cursor, listing
from bench import breaker, chaos, pictures, processing, serving, stalled, templates, trickle
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="listing queries and the export (running stack)")
    listing.add_argument("--api", default="http://127.0.0.1:8080")
    listing.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    listing.add_argument("--runs", type=int, default=3)
    listing.add_argument(
        "--if-running", action="store_true", help="without a running stack, say so and exit 0"
    )
    big = commands.add_parser("pictures", help="a 50 MB picture up and down (own services)")
    big.add_argument("--side", type=int, default=4096, help="pixels a side (4096: 48 MB)")
    commands.add_parser("breaker", help="the api's 503 with media down (own services)")
    commands.add_parser(
        "trickle", help="a normal upload while 8 addresses trickle uploads (own services)"
    )
    served = commands.add_parser(
        "serving", help="api vs reference and media direct, 1 and 2 workers (own services)"
    )
    served.add_argument("--memes", type=int, default=20_000, help="memes generated")
    served.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    served.add_argument("--runs", type=int, default=3, help="wrk runs of each, the median kept")
    work = commands.add_parser("processing", help="picture jobs, OCR, /similar (own services)")
    work.add_argument("--pictures", type=int, default=40, help="pictures uploaded and processed")
    work.add_argument("--memes", type=int, default=1_000_000, help="memes /similar searches")
    work.add_argument("--requests", type=int, default=200, help="/similar requests timed")
    stall = commands.add_parser(
        "stalled", help="another client's reads beside exports nobody reads (own services)"
    )
    stall.add_argument("--memes", type=int, default=20_000, help="memes generated")
    stall.add_argument("--reads", type=int, default=400, help="reads timed per round")
    broken = commands.add_parser(
        "chaos", help="clients at work while services fail at random, then checks (own services)"
    )
    broken.add_argument("--seconds", type=float, default=600, help="how long the clients work")
    broken.add_argument("--seed", type=int, help="of the faults and the clients (random: printed)")
    broken.add_argument("--store", choices=("s3", "disk"), default="s3", help="media's store")
    broken.add_argument("--memes", type=int, default=20_000, help="memes generated first")
    kinds = commands.add_parser("templates", help="repost and same-template: hashes, thresholds")
    kinds.add_argument("--seed", type=int, default=20, help="of the generated, labelled set")
    kinds.add_argument("--templates", type=int, default=44, help="templates in the set")
    kinds.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir(), "bench-templates"))
    args = parser.parse_args()
    if args.command == "templates":
        templates.main(args.seed, args.templates, args.cache)
        return
    if args.command == "stalled":
        stalled.main(args.memes, args.reads)
        return
    if args.command == "chaos":
        chaos.main(args.seconds, args.seed, args.store, args.memes)
        return
    if args.command == "pictures":
        pictures.main(args.side)
        return
    if args.command == "breaker":
        breaker.main()
        return
    if args.command == "trickle":
        trickle.main()
        return
    if args.command == "serving":
        serving.main(args.memes, args.duration, args.runs)
        return
    if args.command == "processing":
        processing.main(args.pictures, args.memes, args.requests)
        return
    settings = ApiSettings()
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
        async with database_url(settings) as url:
            return url

    db_url = asyncio.run(url())
    with psycopg2.connect(db_url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT memes FROM meme_count")
        (count,) = cursor.fetchone()
        cursor.execute("SELECT id FROM memes ORDER BY id OFFSET %s LIMIT 1", (count // 2,))
        (middle_id,) = cursor.fetchone()
    conn.close()
    print(
        f"{count:,} memes; under load: wrk -t2 -c64 -d{args.duration}s, median of {args.runs} runs"
    )

    queries = {
        "GET /memes?limit=20": "/memes?limit=20",
        "deep cursor page": f"/memes?limit=20&cursor={deep_cursor(db_url, settings, count // 2)}",
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
                under_load[name].append(wrk(args.api + path, args.duration))
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
        alone = wrk(args.api + path, 5, connections=1)
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
    asyncio.run(export(args.api, api_process))


if __name__ == "__main__":
    main()
