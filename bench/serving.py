"""python -m bench serving: the api's reads as ratios to the floor of its stack, in one run.

Starts its own PostgreSQL (pgserver), media on the local disk, and, all on the same event loop
(`--loop`, by default the one the services ship with):
- the api as shipped: its defaults (access log on, rate limits on), but for a read quota that
  the benchmark's one client cannot spend (`RATE_LIMIT_READS` a billion: each read still pays
  for being counted);
- the api with rate limits off (`RATE_LIMIT_READS=0`, `RATE_LIMIT_WRITES=0`);
- the reference (bench/reference.py): a bare aiohttp + aiopg app running the api's own SQL;
- the floor (bench/floor.py): the same bare app reading one table, four columns.
It generates `--memes` memes and uploads one small picture, then loads each with wrk (-t2 -c64,
`--duration` s, the median of `--runs`; in each round every server is loaded in turn, so that
drift on a shared machine hits them alike): `GET /memes/{id}` (random ids over the whole table,
a wrk script) and the first page on all four; `/images/{sha256}` and `/memes/{id}/image` on the
api as shipped against media answering `/blobs/{sha256}` directly; then `GET /memes/{id}` on
the api as shipped with `API_WORKERS=2`. It prints the figures as Markdown tables; with
`--profile`, also where the api's time goes under the first two (bench/profile.py, py-spy).
"""

import os
import tempfile
from pathlib import Path

from bench.load import Load, median, wrk
from bench.loop import SHIPPED
from bench.profile import profiled
from bench.stack import generated, uploaded

# A quota no benchmark client spends in a window: the limiter counts every read all the same.
UNSPENDABLE = 10**9
# Issue 19's targets, for the api as shipped: a share of the floor, or of media direct.
TARGETS = {"by id": 0.6, "first page": 0.5, "pictures": 1.5}
PROFILE_SECONDS = 8
READS_ON = ("shipped", "limits off", "reference", "floor")


def ratio(load: Load, base: Load) -> float:
    return load.requests_per_second / base.requests_per_second


def verdict(value: float, target: float) -> str:
    return f"{value:.2f} ({target}: {'met' if value >= target else 'missed'})"


def reads_table(loads: dict[tuple[str, str], Load]) -> str:
    head = (
        "| request | as shipped | limits off | reference | floor | shipped / floor (target)"
        " | limits off / floor | shipped / reference |"
    )
    rows = [head, "|---|---|---|---|---|---|---|---|"]
    cpu = [
        "| CPU µs per request | as shipped | limits off | reference | floor | shipped / floor |",
        "|---|---|---|---|---|---|",
    ]
    for request, target in (("GET /memes/{id}", "by id"), ("GET /memes?limit=20", "first page")):
        shipped, off, reference, floor = (loads[request, name] for name in READS_ON)
        figures = " | ".join(
            f"{load.requests_per_second:,.0f}" for load in (shipped, off, reference, floor)
        )
        rows.append(
            f"| `{request}` | {figures} | {verdict(ratio(shipped, floor), TARGETS[target])}"
            f" | {ratio(off, floor):.2f} | {ratio(shipped, reference):.2f} |"
        )
        used = " | ".join(f"{load.cpu_us:,.0f}" for load in (shipped, off, reference, floor))
        cpu.append(f"| `{request}` | {used} | {shipped.cpu_us / floor.cpu_us:.1f} |")
    return "\n".join([*rows, "", *cpu])


def pictures_table(loads: dict[tuple[str, str], Load], two: Load) -> str:
    media = loads["GET /blobs/{sha256}", "media"]
    rows = [
        "| request | api as shipped | against | req/s | ratio (target) |",
        "|---|---|---|---|---|",
    ]
    for request in ("GET /images/{sha256}", "GET /memes/{id}/image"):
        api = loads[request, "shipped"]
        rows.append(
            f"| `{request}` | {api.requests_per_second:,.0f} | media direct"
            f" | {media.requests_per_second:,.0f}"
            f" | {verdict(ratio(api, media), TARGETS['pictures'])} |"
        )
    one = loads["GET /memes/{id}", "shipped"]
    rows.append(
        f"| `GET /memes/{{id}}`, `API_WORKERS=2` | {two.requests_per_second:,.0f}"
        f" | `API_WORKERS=1` | {one.requests_per_second:,.0f} | {ratio(two, one):.2f} |"
    )
    return "\n".join(rows)


def run(root: Path, memes: int, duration: int, runs: int, loop: str, profile: bool) -> None:
    with generated(root, memes, loop) as stack:
        shipped = stack.api(loop, RATE_LIMIT_READS=str(UNSPENDABLE))
        servers = {
            "shipped": shipped,
            "limits off": stack.api(loop, RATE_LIMIT_READS="0", RATE_LIMIT_WRITES="0"),
            "reference": stack.bare("reference", loop),
            "floor": stack.bare("floor", loop),
        }
        media = stack.first_media
        made = uploaded(servers["limits off"].url)
        by_id = {"script": stack.random_ids}
        media_auth = {"headers": {"Authorization": f"Bearer {stack.env['MEDIA_TOKEN']}"}}
        measured = {  # (request, server): (service, path, wrk options)
            **{("GET /memes/{id}", name): (servers[name], "/", by_id) for name in READS_ON},
            **{("GET /memes?limit=20", name): (servers[name], "/memes?limit=20", {})
               for name in READS_ON},
            ("GET /images/{sha256}", "shipped"): (shipped, made["content_url"], {}),
            ("GET /memes/{id}/image", "shipped"): (shipped, made["image_url"], {}),
            ("GET /blobs/{sha256}", "media"): (media, f"/blobs/{made['sha256']}", media_auth),
        }  # fmt: skip
        print(
            f"{memes:,} memes; picture {made['size']:,} bytes; event loop {loop}; wrk -t2 -c64"
            f" -d{duration}s, median of {runs} runs, each round loading every server in turn;"
            f" {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start",
            flush=True,
        )
        loads: dict[tuple[str, str], list[Load]] = {key: [] for key in measured}
        for _ in range(runs):
            for key, (service, path, options) in measured.items():
                loads[key].append(wrk(service.url + path, duration, pid=service.pid, **options))
        profiles = {}
        if profile:
            for request, name in (("GET /memes/{id}", "by-id"), ("GET /memes?limit=20", "page")):
                _, path, options = measured[request, "shipped"]
                out = Path(tempfile.gettempdir()) / f"memes-profile-{name}.txt"  # kept
                load, frames = profiled(shipped.pid, shipped.url + path, PROFILE_SECONDS, out,
                                        **options)  # fmt: skip
                profiles[request] = (load, frames, out)
        stack.stop(shipped)
        two_workers = stack.api(loop, RATE_LIMIT_READS=str(UNSPENDABLE), API_WORKERS="2")
        two = median([wrk(f"{two_workers.url}/", duration, **by_id) for _ in range(runs)])
        medians = {key: median(values) for key, values in loads.items()}
        errors = sum(load.errors for key in loads for load in loads[key])
        print(f"load average {os.getloadavg()[0]:.1f} at the end; {errors} answers not 2xx\n")
        print(reads_table(medians), end="\n\n")
        print(pictures_table(medians, two))
        for request, (load, frames, out) in profiles.items():
            rate = f"{load.requests_per_second:,.0f} req/s while sampled, stacks in {out}"
            print(f"\nThe api as shipped, profiled under {request}: {rate}; {frames}")


def main(
    memes: int = 100_000,
    duration: int = 3,
    runs: int = 3,
    loop: str | None = None,
    profile: bool = False,
) -> None:
    loop = loop or SHIPPED
    with tempfile.TemporaryDirectory(prefix="memes-bench-serving-") as root:
        run(Path(root), memes, duration, runs, loop, profile)
