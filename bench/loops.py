"""python -m bench loops: what uvloop gives the services over asyncio's own loop, in one run.

Starts (bench/stack.py) PostgreSQL with `--memes` memes and, on each loop, an api (rate limits
off, the rest as shipped: the loop's share is the question, not the limiter's write), media and
the floor (bench/floor.py); uploads one small picture; then loads each with wrk (-t2 -c64,
`--duration` s, the median of `--runs`), on asyncio then on uvloop, request after request, so
that drift on a shared machine hits both loops alike. Prints req/s on each and their ratio.
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
        api = {loop: stack.api(loop, **no_limits)[0] for loop in LOOPS}
        media = {"asyncio": stack.env["MEDIA_URL"], "uvloop": stack.media("uvloop")}
        floor = {loop: stack.bare("floor", loop) for loop in LOOPS}
        made = uploaded(api["uvloop"])
        by_id = {"script": stack.random_ids}
        media_auth = {"headers": {"Authorization": f"Bearer {stack.env['MEDIA_TOKEN']}"}}
        measured = {  # request: {loop: (url, wrk options)}
            "api `GET /memes/{id}`": {loop: (f"{api[loop]}/", by_id) for loop in LOOPS},
            "api `GET /memes?limit=20`": {loop: (f"{api[loop]}/memes?limit=20", {})
                                          for loop in LOOPS},
            "api `GET /images/{sha256}`": {loop: (f"{api[loop]}{made['content_url']}", {})
                                           for loop in LOOPS},
            "media `GET /blobs/{sha256}`": {loop: (f"{media[loop]}/blobs/{made['sha256']}",
                                                   media_auth) for loop in LOOPS},
            "floor `GET /memes/{id}`": {loop: (f"{floor[loop]}/", by_id) for loop in LOOPS},
            "floor `GET /memes?limit=20`": {loop: (f"{floor[loop]}/memes", {}) for loop in LOOPS},
        }  # fmt: skip
        print(
            f"{memes:,} memes; wrk -t2 -c64 -d{duration}s, median of {runs} runs, the loops"
            f" alternating; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        loads: dict[tuple[str, str], list[Load]] = {
            (request, loop): [] for request in measured for loop in LOOPS
        }
        for _ in range(runs):
            for request, urls in measured.items():
                for loop, (url, options) in urls.items():
                    loads[request, loop].append(wrk(url, duration, **options))
        print(f"load average {os.getloadavg()[0]:.1f} at the end\n")
        print("| request | asyncio req/s | uvloop req/s | uvloop / asyncio |\n|---|---|---|---|")
        for request in measured:
            slow, fast = (median(loads[request, loop]).requests_per_second for loop in LOOPS)
            print(f"| {request} | {slow:,.0f} | {fast:,.0f} | {fast / slow:.2f} |")


def main(memes: int = 100_000, duration: int = 3, runs: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="memes-bench-loops-") as root:
        run(Path(root), memes, duration, runs)
