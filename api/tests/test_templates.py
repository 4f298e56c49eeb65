"""Templates on the real database, with hashes made up here (the OCR and the hashes are
test_processing's): a job done gives its picture the nearest template or a new one, one
template however many of its pictures finish at once, counts kept through every change,
`/templates`, `?template=`, and the relations of `/similar`."""

import asyncio

import psycopg2
import pytest

from api.db import jobs
from api.db.templates import fold_template_counts
from api.imaging.features import Features
from api.imaging.templates import REPOST_WORDS, SAME_TEMPLATE_DISTANCE
from api.web.state import SERVICES
from tests.helpers import create_meme, meme_form, owner, problem_of, query
from tests.pictures import picture

DISTANCE, WORDS = SAME_TEMPLATE_DISTANCE, REPOST_WORDS  # the settings' defaults
FAR = 0x5555_5555_5555_5555  # 32 bits from 0, from 1 and from 3 alike


def found(phash: int, template_hash: int, text: str = "") -> Features:
    return Features(text, "", "", phash, "LEHV6nWB2yk8pyo0adR*.7kCMdnj", template_hash)


async def finish(services, sha256: str, phash: int, template_hash: int, text: str = "") -> None:
    """Claim the picture's job (every other job due is handed back) and mark it done."""
    claimed = []
    while (job := await jobs.claim(services.db, "test", 60)) and job.sha256 != sha256:
        claimed.append(job)
    assert job is not None, f"no job due for {sha256}"
    for other in claimed:
        await jobs.hand_back(services.db, other)
    assert await jobs.done(services.db, job, found(phash, template_hash, text), DISTANCE, WORDS)


async def meme(client, title: str, color: str) -> dict:
    return await create_meme(client, title, color=color)


async def shown(client, meme_id: int) -> dict:
    response = await client.get(f"/memes/{meme_id}")
    assert response.status == 200
    return await response.json()


async def test_a_picture_joins_the_nearest_template_or_makes_one(client, database_url):
    services = client.server.app[SERVICES]
    first, near, other = [await meme(client, t, c) for t, c in
                          [("First", "red"), ("Near", "blue"), ("Other", "green")]]  # fmt: skip
    assert first["template_id"] is None  # pending
    await finish(services, first["sha256"], 1, 0b111)
    await finish(services, near["sha256"], 2, 0b111 ^ (1 << 40) ^ (1 << 9))  # 2 bits away
    await finish(services, other["sha256"], 3, FAR)
    ids = [(await shown(client, m["id"]))["template_id"] for m in (first, near, other)]
    assert ids == [1, 1, 2]
    assert query(database_url, "SELECT id, example_sha256 FROM templates ORDER BY id") == [
        (1, first["sha256"]), (2, other["sha256"]),
    ]  # fmt: skip
    # A meme of a processed picture has its template from its first answer.
    again = await meme(client, "Again", "red")
    assert again["template_id"] == 1


async def test_a_failed_job_leaves_no_template(client):
    services = client.server.app[SERVICES]
    failing = await meme(client, "Failing", "red")
    job = await jobs.claim(services.db, "test", 60)
    assert await jobs.failed(services.db, job, "cannot read it", 1, 0) == "failed"
    body = await shown(client, failing["id"])
    assert (body["processing"], body["processing_error"], body["template_id"]) == (
        "failed", "cannot read it", None,
    )  # fmt: skip


async def test_two_pictures_of_a_new_template_finished_at_once_make_one_template(
    client, database_url
):
    """Both look for a near template, find none, and would each make one: the second to take
    the lock of new templates looks again and finds the first's."""
    services = client.server.app[SERVICES]
    one, two = await meme(client, "One", "red"), await meme(client, "Two", "blue")
    first, second = await jobs.claim(services.db, "a", 60), await jobs.claim(services.db, "b", 60)
    holder = psycopg2.connect(database_url)
    cur = holder.cursor()
    cur.execute("SELECT pg_advisory_xact_lock(hashtextextended('new template', 0))")
    both = [
        asyncio.create_task(jobs.done(services.db, first, found(1, 0b1011), DISTANCE, WORDS)),
        asyncio.create_task(jobs.done(services.db, second, found(2, 0b1001), DISTANCE, WORDS)),
    ]
    await asyncio.sleep(0.5)  # both looked and found nothing; both wait for the lock
    assert not any(task.done() for task in both)
    holder.rollback()
    holder.close()
    assert await asyncio.gather(*both) == [True, True]
    assert query(database_url, "SELECT count(*) FROM templates") == [(1,)]
    assert {(await shown(client, m["id"]))["template_id"] for m in (one, two)} == {1}


async def test_a_meme_added_while_its_picture_gets_its_template_is_counted_once(
    client, database_url
):
    services = client.server.app[SERVICES]
    first = await meme(client, "First", "red")
    job = await jobs.claim(services.db, "test", 60)
    adding = psycopg2.connect(database_url)
    cur = adding.cursor()
    cur.execute("INSERT INTO memes (title, image_sha256) VALUES ('Second', %s)", (first["sha256"],))
    finishing = asyncio.create_task(jobs.done(services.db, job, found(1, 5), DISTANCE, WORDS))
    await asyncio.sleep(0.3)  # it waits for the meme being added
    assert not finishing.done()
    adding.commit()
    adding.close()
    assert await finishing
    await fold_template_counts(services.db)
    body = await (await client.get("/templates/1")).json()
    assert body["memes"] == 2


async def test_counts_follow_every_change_and_the_folds(client, database_url):
    services = client.server.app[SERVICES]
    a = await meme(client, "A", "red")
    await finish(services, a["sha256"], 1, 0)
    b = await meme(client, "B", "red")  # the same picture, processed: counted at once
    c = await meme(client, "C", "blue")
    await finish(services, c["sha256"], 99, FAR)

    async def counts() -> list[tuple[int, int]]:
        body = await (await client.get("/templates")).json()
        return [(item["id"], item["memes"]) for item in body["items"]]

    assert await counts() == [(1, 2), (2, 1)]  # exact before any fold
    await fold_template_counts(services.db)
    await fold_template_counts(services.db)  # nothing left: nothing changes
    assert query(database_url, "SELECT id, memes FROM templates ORDER BY id") == [(1, 2), (2, 1)]
    # B gets C's picture: one meme moves from template 1 to 2, and the order follows the fold.
    response = await client.put(
        f"/memes/{b['id']}", headers=owner(b), data=meme_form("B", picture(color="blue"))
    )
    assert response.status == 200
    assert (await response.json())["template_id"] == 2
    await fold_template_counts(services.db)
    assert await counts() == [(2, 2), (1, 1)]
    assert (await client.delete(f"/memes/{c['id']}", headers=owner(c))).status == 204
    assert await counts() == [(2, 1), (1, 1)]  # exact; the order is the fold's until it runs
    await fold_template_counts(services.db)
    assert await counts() == [(1, 1), (2, 1)]


async def test_the_example_moves_to_another_picture_when_its_last_meme_goes(client, database_url):
    services = client.server.app[SERVICES]
    first, second = await meme(client, "First", "red"), await meme(client, "Second", "blue")
    await finish(services, first["sha256"], 1, 0)
    await finish(services, second["sha256"], 2, 1)
    template = await (await client.get("/templates/1")).json()
    assert template == {"id": 1, "memes": 2, "example": first["id"],
                        "example_url": f"/memes/{first['id']}/image?size=thumb"}  # fmt: skip
    assert (await client.get(template["example_url"])).status == 200
    assert (await client.delete(f"/memes/{first['id']}", headers=owner(first))).status == 204
    template = await (await client.get("/templates/1")).json()
    assert (template["memes"], template["example"]) == (1, second["id"])
    assert query(database_url, "SELECT example_sha256 FROM templates") == [(second["sha256"],)]
    assert (await client.delete(f"/memes/{second['id']}", headers=owner(second))).status == 204
    await problem_of(await client.get("/templates/1"), 404, "not-found")
    assert (await (await client.get("/templates")).json())["items"] == []
    # The same picture again: the template it had, with it as its example.
    back = await meme(client, "Back", "blue")
    await finish(services, back["sha256"], 2, 1)
    assert (await shown(client, back["id"]))["template_id"] == 1
    assert (await (await client.get("/templates/1")).json())["example"] == back["id"]


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1.5", str(2**63)])
async def test_a_template_id_that_is_not_a_positive_integer_is_a_400(client, bad):
    body = await problem_of(await client.get(f"/templates/{bad}"), 400, "invalid-template-id")
    assert "id" in body["detail"]


async def test_templates_page_with_signed_cursors(client):
    services = client.server.app[SERVICES]
    colors = ["red", "blue", "green", "navy", "olive"]
    made = [await meme(client, color, color) for color in colors]
    hashes = [0, FAR, -1, 0xFFFFFFFF, 0xFFFFFFFF00000000 - 2**64]  # 32 bits apart or more
    for n, (m, template_hash) in enumerate(zip(made, hashes)):
        await finish(services, m["sha256"], n, template_hash)
    extra = await meme(client, "More of the third", "green")
    assert extra["template_id"] is not None
    await fold_template_counts(services.db)
    seen, url = [], "/templates?limit=2"
    while url:
        response = await client.get(url)
        assert response.status == 200
        body = await response.json()
        seen += [(item["id"], item["memes"]) for item in body["items"]]
        url = body["next"] and f"/templates?limit=2&cursor={body['next']}"
        if body["next"]:
            assert response.headers["Link"].endswith('; rel="next"')
    assert seen[0] == (extra["template_id"], 2)
    assert sorted(template for template, _ in seen) == [1, 2, 3, 4, 5]
    # A memes' cursor is not a templates' one, nor a made-up one.
    memes_next = (await (await client.get("/memes?limit=1")).json())["next"]
    await problem_of(await client.get(f"/templates?cursor={memes_next}"), 400, "invalid-cursor")
    await problem_of(await client.get("/templates?cursor=abc.def"), 400, "invalid-cursor")
    await problem_of(await client.get("/templates?limit=0"), 422, "validation-failed")


async def test_memes_of_a_template_with_every_filter_and_sort(client):
    services = client.server.app[SERVICES]
    a = await create_meme(client, "Alpha cat", tags=["cats"], color="red")
    b = await create_meme(client, "Beta dog", tags=["dogs"], color="blue")
    c = await create_meme(client, "Gamma cat", tags=["cats", "work"], color="green")
    await finish(services, a["sha256"], 1, 0)
    await finish(services, b["sha256"], 2, 1)  # a's template
    await finish(services, c["sha256"], 3, FAR)

    async def ids(url: str) -> list[int]:
        response = await client.get(url)
        assert response.status == 200, await response.text()
        return [item["id"] for item in (await response.json())["items"]]

    assert await ids("/memes?template=1") == [b["id"], a["id"]]
    assert await ids("/memes?template=1&sort=title") == [a["id"], b["id"]]
    assert await ids("/memes?template=1&sort=created_at") == [a["id"], b["id"]]
    assert await ids("/memes?template=1&tag=cats") == [a["id"]]
    assert await ids("/memes?template=1&tags_any=dogs&tags_any=work") == [b["id"]]
    assert await ids("/memes?template=1&q=beta") == [b["id"]]
    assert await ids(f"/memes?template=2&sha256={c['sha256']}") == [c["id"]]
    assert await ids("/memes?template=1&processing=done&sort=-title") == [b["id"], a["id"]]
    assert await ids("/memes?template=3") == []
    total = (await (await client.get("/memes?template=1")).json())["total"]
    assert total == 2
    # The cursor is bound to the template: another template's page refuses it.
    first = await (await client.get("/memes?template=1&limit=1")).json()
    assert await ids(f"/memes?template=1&limit=1&cursor={first['next']}") == [a["id"]]
    refused = await client.get(f"/memes?template=2&limit=1&cursor={first['next']}")
    await problem_of(refused, 400, "invalid-cursor")
    exported = await (await client.get("/memes/export?template=1")).text()
    assert [line for line in exported.splitlines() if line] and all(
        '"template_id":1' in line for line in exported.splitlines() if line
    )
    for bad in ("0", "abc", "-3"):
        await problem_of(await client.get(f"/memes?template={bad}"), 422, "validation-failed")
