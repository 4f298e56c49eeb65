"""python -m bench.plans: the plans and execution times of the api's public reads as this
checkout composes them (a meme by id, the first page, a page 10,000 deep by offset, the
first page of a tag, the first batch of /tags), on the database of the running stack (`make
run`, or DATABASE_URL): `EXPLAIN (ANALYZE, BUFFERS)` of each, `--runs` times (random ids),
the median and p90 of PostgreSQL's execution time, and the last plan. Run this file with
another checkout on PYTHONPATH (`PYTHONPATH=OTHER python bench/plans.py`) to compare two
versions' SQL on the same rows."""

import argparse
import asyncio
import random
import statistics

import psycopg2
from psycopg2 import sql as pg

from api.db import filters
from api.db.connection import database_url
from api.db.listing import _page_query, _walk
from api.db.memes import MEME_BY_ID
from api.db.tags import TAG_COUNTS
from api.settings import ApiSettings
from api.values.listing import listing

TAG = "cats"  # a common tag of the generated memes: its first page is found by a walk
TAGS_BATCH = 1000  # EXPORT_BATCH_SIZE's default: the first batch of GET /tags


def explain(cur, statement: pg.Composable, params) -> list[str]:
    cur.execute(pg.SQL("EXPLAIN (ANALYZE, BUFFERS) ") + statement, params)
    return [line for (line,) in cur.fetchall()]


def report(url: str, runs: int) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT min(id), max(id) FROM memes")
    low, high = cur.fetchone()
    every = listing(None, None, [], [], None, None)
    # As the api sends them: a first page (or an offset's) with its total.
    first_page = _page_query(every, {}, None, (21, 0), True)
    deep_page = _page_query(every, {}, None, (21, 10_000), True)
    cur.execute("SELECT id FROM tags WHERE name = %s", (TAG,))
    ids = {TAG: cur.fetchone()[0]}
    tagged = listing(None, TAG, [], [], None, None)
    tag_page = _walk(filters.conditions(tagged, ids), filters.NEWEST, None, (21, 0))
    tags = {"after": None, "memes": None, "limit": TAGS_BATCH}
    safe = listing(None, None, [], [], None, None, sensitive=False)
    safe_page = _walk(filters.conditions(safe, {}), filters.NEWEST, None, (21, 0))
    rng = random.Random(1)
    queries = {
        "by id": (MEME_BY_ID, lambda: {"id": rng.randint(low, high)}),
        "first page": (first_page.text, lambda: first_page.params),
        "offset 10,000": (deep_page.text, lambda: deep_page.params),
        f"tag={TAG}": (tag_page.text, lambda: tag_page.params),
        "/tags": (pg.SQL(TAG_COUNTS), lambda: tags),
        "first page, sensitive=false": (safe_page.text, lambda: safe_page.params),
    }
    for name, (statement, params) in queries.items():
        times = []
        for _ in range(runs):
            plan = explain(cur, statement, params())
            times.append(float(plan[-1].split()[2]))  # Execution Time: N ms
        times.sort()
        print(
            f"== {name}: execution median {statistics.median(times):.3f} ms,"
            f" p90 {times[int(len(times) * 0.9)]:.3f} ms over {runs}"
        )
        print("\n".join(plan))
    conn.close()


async def main(runs: int) -> None:
    async with database_url(ApiSettings()) as url:
        await asyncio.to_thread(report, url, runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.plans")
    parser.add_argument("--runs", type=int, default=300)
    asyncio.run(main(parser.parse_args().runs))
