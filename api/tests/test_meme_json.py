"""A meme's JSON reads what processing found from its picture's row (migration 0011), kept there
by triggers: the JSON must stay byte for byte what the joins to picture_jobs and
picture_features gave, at every step of a picture's life, by id and in a list page, at once.

The jobs here are claimed, finished and failed through api.db.jobs on the real database, with
findings made up in the test: the OCR of test_processing is slow and adds nothing here."""

import asyncio
import json

import psycopg2
from psycopg2 import sql as pg

from api.db import jobs
from api.db.connection import MIGRATIONS, apply_migrations
from api.db.listing import listing_query
from api.db.memes import MEME_BY_ID
from api.imaging.features import Features
from api.imaging.templates import REPOST_WORDS, SAME_TEMPLATE_DISTANCE
from api.values.listing import listing
from api.web.state import SERVICES
from tests.helpers import create_meme, meme_form, migrated_before, owner, query
from tests.pictures import picture

# The JSON as the API rendered it before 0011, from the job and features rows themselves.
JOINED = """
SELECT row_to_json(meme)::text FROM (SELECT
    m.id, m.title, m.description, string_to_array(m.tags_text, ' ') AS tags,
    m.created_at, m.updated_at,
    '/memes/' || m.id || '/image' AS image_url, '/images/' || b.sha256 AS content_url,
    b.content_type, b.size, b.width, b.height, b.sha256,
    CASE WHEN j.state IN ('done', 'failed') THEN j.state ELSE 'pending' END AS processing,
    CASE WHEN j.state = 'failed' THEN j.last_error END AS processing_error,
    f.text, f.placeholder, b.template_id, m.visibility, f.nsfw,
    CASE WHEN m.sensitive_mark IS NULL THEN coalesce(f.nsfw > 0.8, false)
         ELSE m.sensitive_mark <> 'cleared' END AS sensitive
  FROM memes m
  JOIN blobs b ON b.sha256 = m.image_sha256
  LEFT JOIN picture_jobs j ON j.sha256 = b.sha256
  LEFT JOIN picture_features f ON f.sha256 = b.sha256
 WHERE m.id = %s) AS meme
"""
FOUND = Features(
    text="CATS HATE\nMONDAY", words="cats hate monday", suffixes="", phash=42,
    placeholder="LEHV6nWB2yk8pyo0adR*.7kCMdnj", template_hash=-7, nsfw=0.0123,
)  # fmt: skip
DISTANCE, WORDS = SAME_TEMPLATE_DISTANCE, REPOST_WORDS  # the settings' defaults


async def shown(client, database_url, meme: dict) -> dict:
    """The meme by id and in the first page, checked byte for byte against the joins."""
    joined = query(database_url, JOINED, (meme["id"],))[0][0]
    response = await client.get(f"/memes/{meme['id']}")
    assert response.status == 200
    assert await response.read() == joined.encode()
    page = await (await client.get("/memes?limit=100")).read()
    assert joined.encode() in page  # the list page writes each meme's JSON as it is
    return json.loads(joined)


async def claim(services) -> jobs.Job:
    job = await jobs.claim(services.db, "test", 60)
    assert job is not None
    return job


async def test_a_meme_shows_what_processing_found_at_every_step_at_once(client, database_url):
    services = client.server.app[SERVICES]
    first = await create_meme(client, "First", color="red")
    meme = await shown(client, database_url, first)
    assert (meme["processing"], meme["processing_error"], meme["text"]) == ("pending", None, None)
    job = await claim(services)
    assert (await shown(client, database_url, first))["processing"] == "pending"  # running

    assert await jobs.done(services.db, job, FOUND, DISTANCE, WORDS)
    meme = await shown(client, database_url, first)
    assert (meme["processing"], meme["text"], meme["placeholder"]) == (
        "done", FOUND.text, FOUND.placeholder,
    )  # fmt: skip
    assert (meme["nsfw"], meme["sensitive"]) == (0.0123, False)

    # A second meme of a processed picture is processed from its first answer.
    second = await create_meme(client, "Second", color="red")
    assert second["sha256"] == first["sha256"]
    assert (second["processing"], second["text"]) == ("done", FOUND.text)
    assert (await shown(client, database_url, second))["processing"] == "done"

    # A new picture: pending again, without the old picture's text; the other meme keeps it.
    response = await client.put(
        f"/memes/{first['id']}",
        headers=owner(first),
        data=meme_form("First", picture(color="navy")),
    )
    assert response.status == 200
    replaced = await response.json()
    assert (replaced["processing"], replaced["text"], replaced["placeholder"]) == (
        "pending", None, None,
    )  # fmt: skip
    assert (await shown(client, database_url, first))["processing"] == "pending"
    assert (await shown(client, database_url, second))["processing"] == "done"

    # A failed try with tries left is still pending; the last one fails, with its reason.
    job = await claim(services)
    assert await jobs.failed(services.db, job, "cannot read it", 2, 0) == "queued"
    assert (await shown(client, database_url, first))["processing_error"] is None
    job = await claim(services)
    assert await jobs.failed(services.db, job, "cannot read it", 2, 0) == "failed"
    meme = await shown(client, database_url, first)
    assert (meme["processing"], meme["processing_error"]) == ("failed", "cannot read it")

    # Tried again and done.
    assert await jobs.retry_failed(services.db) == 1
    assert (await shown(client, database_url, first))["processing"] == "pending"
    assert await jobs.done(services.db, await claim(services), FOUND, DISTANCE, WORDS)
    meme = await shown(client, database_url, first)
    assert (meme["processing"], meme["processing_error"], meme["text"]) == (
        "done", None, FOUND.text,
    )  # fmt: skip


def _plan(database_url: str, statement: pg.Composable, params) -> dict:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(pg.SQL("EXPLAIN (FORMAT JSON) ") + statement, params)
        (plan,) = cur.fetchone()
    conn.close()
    return plan[0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def test_a_meme_and_a_page_read_only_memes_and_blobs_with_no_subquery(client, database_url):
    await create_meme(client, "Read")
    first_page = listing_query(listing(None, None, [], [], None, None), {}, page=(21, 0))
    for text, params in [(MEME_BY_ID, {"id": 1}), (first_page.text, first_page.params)]:
        nodes = list(_nodes(_plan(database_url, text, params)))
        assert {node["Relation Name"] for node in nodes if "Relation Name" in node} == {
            "memes", "blobs",
        }  # fmt: skip
        assert not [node for node in nodes if "Subplan Name" in node]


def test_migration_0011_fills_the_pictures_rows_from_the_jobs_before_it(tmp_path):
    from yoyo import get_backend, read_migrations

    with migrated_before(tmp_path / "postgres", "0011") as url:
        # Pictures a worker left done, failed, queued again after a failed try, and untouched.
        states = {"d": ("done", None), "f": ("failed", "broken"), "a": ("queued", "slow"),
                  "b": ("queued", None)}  # fmt: skip
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            for letter, (state, error) in states.items():
                params = {"sha": letter * 64, "state": state, "error": error}
                cur.execute(
                    "INSERT INTO blobs (sha256, content_type, size, width, height)"
                    " VALUES (%(sha)s, 'image/png', 1, 1, 1);"
                    " UPDATE picture_jobs SET state = %(state)s, last_error = %(error)s"
                    " WHERE sha256 = %(sha)s;"
                    " INSERT INTO memes (title, image_sha256) VALUES (%(sha)s, %(sha)s)",
                    params,
                )
            cur.execute(
                "INSERT INTO picture_features (sha256, text, search, phash, placeholder)"
                " VALUES (%s, 'WORDS', '', 7, 'LEHV6nWB2yk8pyo0adR*.7kCMdnj')",
                ("d" * 64,),
            )
        conn.close()
        before_0013 = JOINED.split(", b.template_id")[0] + JOINED[JOINED.index("\n  FROM") :]
        joined = [query(url, before_0013, (meme_id,))[0][0] for meme_id in range(1, 5)]

        assert "0011.processing-on-blobs" in apply_migrations(url)
        for meme_id, before in enumerate(joined, start=1):
            with psycopg2.connect(url) as conn, conn.cursor() as cur:
                cur.execute(MEME_BY_ID, {"id": meme_id})
                # 0013's, 0014's, 0018's
                later = ',"template_id":null,"visibility":"public","nsfw":null,"sensitive":false}'
                assert cur.fetchone()[-1] == before[:-1] + later
            conn.close()
        shown = query(url, "SELECT processing, processing_error, text FROM blobs ORDER BY sha256")
        assert shown == [
            ("pending", None, None), ("pending", None, None), ("done", None, "WORDS"),
            ("failed", "broken", None),
        ]  # fmt: skip
        backend = get_backend(url)
        with backend.lock():
            newest = read_migrations(str(MIGRATIONS)).filter(lambda m: m.id >= "0011")
            backend.rollback_migrations(backend.to_rollback(newest))
        assert query(url, "SELECT count(*) FROM blobs") == [(4,)]


async def test_a_job_failing_while_its_picture_is_deleted_waits_for_it_and_changes_nothing(
    client, database_url
):
    """The last failed try writes the picture's row too: it must take that row's lock before
    the job's, in the order of a delete of the picture (blob, then the job by cascade), or the
    two deadlock and one of them fails."""
    services = client.server.app[SERVICES]
    meme = await create_meme(client, "Going")
    job = await claim(services)
    deleting = psycopg2.connect(database_url)
    cur = deleting.cursor()
    # As blobs.drop_if_unused does when the picture's last meme goes.
    cur.execute("SELECT FROM blobs WHERE sha256 = %s FOR UPDATE", (meme["sha256"],))
    failing = asyncio.create_task(jobs.failed(services.db, job, "cannot read it", 1, 0))
    await asyncio.sleep(0.3)  # it waits on a lock
    assert not failing.done()

    def delete() -> None:
        cur.execute("DELETE FROM memes WHERE id = %s", (meme["id"],))
        cur.execute("DELETE FROM blobs WHERE sha256 = %s", (meme["sha256"],))
        deleting.commit()

    await asyncio.to_thread(delete)
    deleting.close()
    assert await failing is None  # the job went with its picture
    assert query(database_url, "SELECT count(*) FROM picture_jobs") == [(0,)]
