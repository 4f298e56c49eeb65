"""python -m bench list, at scale: every kind of read of one client alone, a mix of them under
64 clients, and the sizes of the database.

Words and tags are taken from the generator's vocabulary (api/cli/generate.py), so that a
query names a word as common or as rare as it says: the generated titles draw their words
by Zipf's law, the n-th word 1/n as often as the first.
"""

import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import psycopg2

from api.cli.vocabulary import ABSENT_WORD, LONG_TAIL, WORDS
from api.db.connection import apply_migrations
from bench.load import free_port, wait_healthy

MIX = """
math.randomseed(os.time())
paths = {paths}
request = function()
  return wrk.format("GET", paths[math.random(1, #paths)])
end
"""
# Share of each kind of read in the mix: mostly memes by id and first pages, as a gallery
# reads them; searches and tags after.
MIX_SHARES = {"by id": 40, "list": 25, "search": 20, "tag": 10, "tags": 5}


def queries(middle_id: int, deep_cursor: str) -> dict[str, tuple[str, str]]:
    """name: (path, kind in the mix)."""
    common, middling, rare, rarest = WORDS[0], WORDS[300], WORDS[5000], WORDS[-1]
    rare_tag = LONG_TAIL[1500]
    return {
        "GET /memes/{id}": (f"/memes/{middle_id}", "by id"),
        "first page": ("/memes?limit=20", "list"),
        "offset=5000": ("/memes?limit=20&offset=5000", "list"),
        "deep cursor (middle)": (f"/memes?limit=20&cursor={deep_cursor}", "list"),
        "sort=title": ("/memes?sort=title", "list"),
        "sort=created_at": ("/memes?sort=created_at", "list"),
        "tag (common)": ("/memes?tag=classic", "tag"),
        f"tag (rare: {rare_tag})": (f"/memes?tag={rare_tag}", "tag"),
        "tags_all=classic,work": ("/memes?tags_all=classic&tags_all=work", "tag"),
        "tags_any=regex,linux": ("/memes?tags_any=regex&tags_any=linux", "tag"),
        "q=cat (template word)": ("/memes?q=cat", "search"),
        f"q={common} (word 1)": (f"/memes?q={common}", "search"),
        f"q={middling} (word 300)": (f"/memes?q={middling}", "search"),
        "q=build (word 4184)": ("/memes?q=build", "search"),
        f"q={rare} (word 5000)": (f"/memes?q={rare}", "search"),
        f"q={rarest} (word 30000)": (f"/memes?q={rarest}", "search"),
        f"q={ABSENT_WORD} (absent)": (f"/memes?q={ABSENT_WORD}", "search"),
        "q=boss deploy": ("/memes?q=boss+deploy", "search"),
        "q=distracted boyfriend": ("/memes?q=distracted+boyfriend", "search"),
        f"q={common} {middling}": (f"/memes?q={common}+{middling}", "search"),
        f"q=cat {rare}": (f"/memes?q=cat+{rare}", "search"),
        "q=hide the pain": ("/memes?q=hide+the+pain", "search"),
        f"q=the {middling} {common}": (f"/memes?q=the+{middling}+{common}", "search"),
        "q=bo (prefix)": ("/memes?q=bo", "search"),
        "q=build&tag=classic": ("/memes?q=build&tag=classic", "search"),
        f"q=cat&tag={rare_tag}": (f"/memes?q=cat&tag={rare_tag}", "search"),
        f"q={ABSENT_WORD}&tag=classic": (f"/memes?q={ABSENT_WORD}&tag=classic", "search"),
        "q=build&sort=title": ("/memes?q=build&sort=title", "search"),
        f"q={common}&sort=-title": (f"/memes?q={common}&sort=-title", "search"),
        "GET /tags": ("/tags", "tags"),
        "export start (first line)": ("/memes/export", ""),
        "export q=build (whole)": ("/memes/export?q=build", ""),
    }


async def _time(session: aiohttp.ClientSession, url: str, first_line: bool) -> tuple[float, int]:
    started = time.perf_counter()
    async with session.get(url) as response:
        if first_line:
            await response.content.readline()
        else:
            await response.read()
        return (time.perf_counter() - started) * 1000, response.status


async def _one_client(api: str, named: dict[str, tuple[str, str]], requests: int) -> None:
    print(f"one client, {requests} requests each after 3 unmeasured (ms):")
    print(f"{'request':34} {'p50':>7} {'p99':>7} {'max':>7}  {'total':>6} statuses")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for name, (path, _) in named.items():
            first_line = name.startswith("export start")
            for _ in range(3):
                await _time(session, api + path, first_line)
            times, statuses = [], {}
            for _ in range(requests):
                ms, status = await _time(session, api + path, first_line)
                times.append(ms)
                statuses[status] = statuses.get(status, 0) + 1
            total = ""
            if path.startswith("/memes?"):
                async with session.get(api + path) as response:
                    total = (await response.json()).get("total")
                    total = "100+" if total is None else str(total)
            times.sort()
            p99 = times[min(len(times) - 1, round(len(times) * 0.99))]
            shown = " ".join(f"{status}x{n}" for status, n in sorted(statuses.items()))
            print(
                f"{name[:34]:34} {statistics.median(times):7.1f} {p99:7.1f} {times[-1]:7.1f}"
                f"  {total:>6} {shown}"
            )


def _mix(
    api: str, named: dict[str, tuple[str, str]], ids: list[int], root: Path, duration: int
) -> None:
    by_kind: dict[str, list[str]] = {"by id": [f"/memes/{meme_id}" for meme_id in ids]}
    for path, kind in named.values():
        if kind and kind != "by id":
            by_kind.setdefault(kind, []).append(path)
    paths = [
        path
        for kind, share in MIX_SHARES.items()
        for path in by_kind[kind] * max(1, share * 10 // len(by_kind[kind]))
    ]
    script = root / "mix.lua"
    script.write_text(MIX.replace("{paths}", "{" + ", ".join(f'"{p}"' for p in paths) + "}"))
    command = ["wrk", "-t2", "-c64", f"-d{duration}s", "--latency", "-s", str(script), api]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    shares = ", ".join(f"{kind} {share}%" for kind, share in MIX_SHARES.items())
    print(f"64 clients (wrk -t2 -c64 -d{duration}s), a mix of the reads above ({shares}):")
    print("\n".join("  " + line.strip() for line in out.splitlines() if line.strip()))


def sizes(url: str) -> None:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), (SELECT memes FROM"
            " meme_count), (SELECT count(*) FROM meme_tags), (SELECT count(*) FROM tags)"
        )
        database, memes, meme_tags, tags = cursor.fetchone()
        print(f"database {database}: {memes:,} memes, {meme_tags:,} meme_tags, {tags:,} tags")
        cursor.execute(
            "SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid)),"
            " pg_size_pretty(pg_total_relation_size(c.oid))"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
            " AND pg_total_relation_size(c.oid) > 8 * 1024 * 1024"
            " ORDER BY pg_total_relation_size(c.oid) DESC"
        )
        for name, own, total in cursor.fetchall():
            print(f"  {name:32} {own:>10} (with its indexes and TOAST: {total})")
    conn.close()


def report(api: str, url: str, middle_id: int, deep_cursor: str, requests: int, mix_s: int):
    named = queries(middle_id, deep_cursor)
    sizes(url)
    asyncio.run(_one_client(api, named, requests))
    if mix_s:
        with psycopg2.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT max(id) FROM memes")
            (top,) = cursor.fetchone()
            ids = random.Random(1).sample(range(1, top + 1), 200)
            cursor.execute("SELECT id FROM memes WHERE id = ANY(%s)", (ids,))
            ids = [meme_id for (meme_id,) in cursor.fetchall()]
        conn.close()
        _mix(api, named, ids, Path(os.environ.get("TMPDIR", "/tmp")), mix_s)


@contextmanager
def own_stack(data_dir: Path, memes: int):
    """PostgreSQL (pgserver), media and one api process on `data_dir`, kept there: the
    database is filled with generated memes up to `memes` once, and found again next time."""
    import pgserver

    server = pgserver.get_server(data_dir / "postgres", cleanup_mode="stop")
    url = server.get_uri()
    apply_migrations(url)
    token_file = data_dir / "media-token"
    if not token_file.exists():
        token_file.write_text(secrets.token_urlsafe(24))
    media_port, api_port = free_port(), free_port()
    env = os.environ | {
        "DATABASE_URL": url, "MEDIA_TOKEN": token_file.read_text(), "APPLY_MIGRATIONS": "false",
        "MEDIA_PORT": str(media_port), "MEDIA_STORAGE_DIR": str(data_dir / "media"),
        "MEDIA_URL": f"http://127.0.0.1:{media_port}", "API_PORT": str(api_port),
        "DATA_DIR": str(data_dir), "TMPDIR": str(data_dir), "ACCESS_LOG": "false",
        "LOG_LEVEL": "WARNING", "RATE_LIMIT_READS": "0", "RATE_LIMIT_WRITES": "0",
        "RECONCILE_INTERVAL_SECONDS": "0", "API_METRICS_PORT": "0", "MEDIA_METRICS_PORT": "0",
        # Each "export start" leaves its export for the api to notice gone: no 429 meanwhile.
        "MAX_EXPORTS_PER_CLIENT": "1000",
    }  # fmt: skip
    os.environ["MEDIA_TOKEN"] = env["MEDIA_TOKEN"]  # the cursor key of bench list's deep cursor
    started = []

    def start(command: list[str], health: str) -> None:
        started.append(subprocess.Popen([sys.executable, "-m", *command], env=env))
        wait_healthy(health, 120)

    try:
        start(["media"], f"{env['MEDIA_URL']}/health")
        with psycopg2.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT memes FROM meme_count")
            (have,) = cursor.fetchone()
        conn.close()
        if have < memes:
            seed = random.Random(have).randrange(1 << 30)
            subprocess.run(
                [sys.executable, "-m", "api", "fixtures", "generate", "--count",
                 str(memes - have), "--seed", str(seed)],
                env=env, check=True,
            )  # fmt: skip
        start(["api", "serve"], f"http://127.0.0.1:{api_port}/health")
        yield f"http://127.0.0.1:{api_port}", url
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=60)
        server.cleanup()
