"""python -m bench list | serving | loops | ratelimits | pictures | breaker | trickle | processing
| stalled | chaos | templates | nsfw | bans | variants | first-meme

`list`: load figures for the listing endpoints and the export.

Runs against a running stack (`make run`, with `python -m api fixtures generate --count
1000000`): for each query the p50 latency of one client alone (wrk -c1, 5 s) and under load
(wrk -t2 -c64 -d15s, median of 3 runs), the api's req/s as a ratio to a bare reference app
started here (runs alternate), then a full export with the api process's peak RSS around it.
"""

import argparse
import tempfile
from pathlib import Path

from bench import (
    bans,
    breaker,
    chaos,
    first_meme,
    listing_load,
    loops,
    nsfw,
    pictures,
    processing,
    ratelimits,
    serving,
    stalled,
    templates,
    trickle,
    variants,
)
from bench.loop import POLICIES


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
    listing.add_argument(
        "--data-dir", type=Path, help="start PostgreSQL, media and the api here instead (kept)"
    )
    listing.add_argument(
        "--memes", type=int, default=1_000_000, help="with --data-dir: generated up to this many"
    )
    listing.add_argument("--requests", type=int, default=40, help="of one client, per query")
    listing.add_argument("--mix-seconds", type=int, default=15, help="of 64 clients; 0: none")
    listing.add_argument("--no-export", action="store_true", help="skip the full export")
    big = commands.add_parser("pictures", help="a 50 MB picture up and down (own services)")
    big.add_argument("--side", type=int, default=4096, help="pixels a side (4096: 48 MB)")
    commands.add_parser("breaker", help="the api's 503 with media down (own services)")
    first = commands.add_parser(
        "first-meme", help="the gallery's time to its first meme, in Chromium (own services)"
    )
    first.add_argument("--memes", type=int, default=500, help="memes generated")
    first.add_argument("--runs", type=int, default=7, help="page loads at each window size")
    commands.add_parser(
        "trickle", help="a normal upload while 8 addresses trickle uploads (own services)"
    )
    served = commands.add_parser(
        "serving", help="the api's reads against the floor of its stack (own services)"
    )
    served.add_argument("--memes", type=int, default=100_000, help="memes generated")
    served.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    served.add_argument("--runs", type=int, default=3, help="wrk runs of each, the median kept")
    served.add_argument(
        "--loop", choices=sorted(POLICIES), help="every server's event loop (default: shipped)"
    )
    served.add_argument(
        "--profile", action="store_true", help="and where the api's time goes (py-spy)"
    )
    on_loops = commands.add_parser("loops", help="uvloop against asyncio's loop (own services)")
    on_loops.add_argument("--memes", type=int, default=100_000, help="memes generated")
    on_loops.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    on_loops.add_argument("--runs", type=int, default=3, help="wrk runs of each, the median kept")
    limited = commands.add_parser(
        "ratelimits", help="reads with the rate limits on and off, rows written (own services)"
    )
    limited.add_argument("--memes", type=int, default=20_000, help="memes generated")
    limited.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    limited.add_argument("--runs", type=int, default=3, help="wrk runs of each, the median kept")
    work = commands.add_parser(
        "processing", help="picture jobs, OCR, /similar, templates (own services)"
    )
    work.add_argument("--pictures", type=int, default=40, help="pictures uploaded and processed")
    work.add_argument("--memes", type=int, default=1_000_000, help="memes /similar searches")
    work.add_argument("--requests", type=int, default=200, help="requests timed of each kind")
    work.add_argument("--templates", type=int, default=100_000, help="templates of the memes")
    work.add_argument(
        "--data-dir", type=Path, help="keep the services' data here; a second run reuses it"
    )
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
    scored = commands.add_parser("nsfw", help="the NSFW score's cost per picture, beside OCR's")
    scored.add_argument("--pictures", type=int, default=48, help="meme pictures scored")
    kinds = commands.add_parser("templates", help="repost and same-template: hashes, thresholds")
    kinds.add_argument("--seed", type=int, default=20, help="of the generated, labelled set")
    kinds.add_argument("--templates", type=int, default=44, help="templates in the set")
    kinds.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir(), "bench-templates"))
    sized = commands.add_parser("variants", help="bytes saved by AVIF/WebP, cost of each variant")
    sized.add_argument("--pictures", type=int, default=36, help="meme pictures (and 1/8 GIFs)")
    banned = commands.add_parser("bans", help="the ban check: threshold, 100,000 bans (own db)")
    banned.add_argument("--seed", type=int, default=20, help="of the labelled set")
    args = parser.parse_args()
    if args.command == "nsfw":
        nsfw.main(args.pictures)
        return
    if args.command == "variants":
        variants.main(args.pictures)
        return
    if args.command == "bans":
        bans.main(args.seed)
        return
    if args.command == "templates":
        templates.main(args.seed, args.templates, args.cache)
        return
    if args.command == "stalled":
        stalled.main(args.memes, args.reads)
        return
    if args.command == "chaos":
        chaos.main(args.seconds, args.seed, args.store, args.memes)
        return
    if args.command == "first-meme":
        first_meme.main(args.memes, args.runs)
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
        serving.main(args.memes, args.duration, args.runs, args.loop, args.profile)
        return
    if args.command == "loops":
        loops.main(args.memes, args.duration, args.runs)
        return
    if args.command == "ratelimits":
        ratelimits.main(args.memes, args.duration, args.runs)
        return
    if args.command == "processing":
        processing.main(args.pictures, args.memes, args.requests, args.templates, args.data_dir)
        return
    listing_load.main(args)


if __name__ == "__main__":
    main()
