"""python -m bench loops: what uvloop gives the services over asyncio's own loop, in one run.

Starts (bench/stack.py) PostgreSQL with `--memes` memes and, on each loop, an api (rate limits
off, the rest as shipped: the loop's share is the question, not the limiter's write), media and
the floor (bench/floor.py); uploads one small picture; then loads each with wrk (-t2 -c64,
`--duration` s, the median of `--runs`), on asyncio then on uvloop, request after request, so
that drift on a shared machine hits both loops alike. Prints req/s on each and their ratio,
and the CPU time the serving process spent per request, which others' work disturbs less.
"""

import os
import tempfile
from pathlib import Path

from bench.load import Load, median, wrk
from bench.stack import generated, uploaded

LOOPS = ("asyncio", "uvloop")


def run(root: Path, memes: int, duration: int, runs: int) -> None:
    with generated(root, memes, "asyncio") as stack:
        no_limits = {"RATE_LIMIT_READS": "0", "RATE_LIMIT_WRITES": "0"}
        api = {loop: stack.api(loop, **no_limits) for loop in LOOPS}
        media = {"asyncio": stack.first_media, "uvloop": stack.media("uvloop")}
        floor = {loop: stack.bare("floor", loop) for loop in LOOPS}
        made = uploaded(api["uvloop"].url)
        by_id = {"script": stack.random_ids}
        media_auth = {"headers": {"Authorization": f"Bearer {stack.env['MEDIA_TOKEN']}"}}
        measured = {  # request: (services by loop, path, wrk options)
            "api `GET /memes/{id}`": (api, "/", by_id),
            "api `GET /memes?limit=20`": (api, "/memes?limit=20", {}),
            "api `GET /images/{sha256}`": (api, made["content_url"], {}),
            "media `GET /blobs/{sha256}`": (media, f"/blobs/{made['sha256']}", media_auth),
            "floor `GET /memes/{id}`": (floor, "/", by_id),
            "floor `GET /memes?limit=20`": (floor, "/memes", {}),
        }
        print(
            f"{memes:,} memes; wrk -t2 -c64 -d{duration}s, median of {runs} runs, the loops"
            f" alternating; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        loads: dict[tuple[str, str], list[Load]] = {
            (request, loop): [] for request in measured for loop in LOOPS
        }
        for _ in range(runs):
            for request, (services, path, options) in measured.items():
                for loop in LOOPS:
                    service = services[loop]
                    load = wrk(service.url + path, duration, pid=service.pid, **options)
                    loads[request, loop].append(load)
        errors = sum(load.errors for key in loads for load in loads[key])
        print(f"load average {os.getloadavg()[0]:.1f} at the end; {errors} answers not 2xx\n")
        print(
            "| request | asyncio req/s | uvloop req/s | uvloop / asyncio"
            " | CPU µs per request, asyncio | uvloop | uvloop / asyncio |"
        )
        print("|---|---|---|---|---|---|---|")
        for request in measured:
            slow, fast = (median(loads[request, loop]) for loop in LOOPS)
            print(
                f"| {request} | {slow.requests_per_second:,.0f} | {fast.requests_per_second:,.0f}"
                f" | {fast.requests_per_second / slow.requests_per_second:.2f}"
                f" | {slow.cpu_us:,.0f} | {fast.cpu_us:,.0f} | {fast.cpu_us / slow.cpu_us:.2f} |"
            )


def main(memes: int = 100_000, duration: int = 3, runs: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="memes-bench-loops-") as root:
        run(Path(root), memes, duration, runs)
