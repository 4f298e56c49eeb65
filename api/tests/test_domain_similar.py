"""The relations of `/memes/{id}/similar` (api/domain/similar.py, api/db/similar.py) on the
real database, with hashes made up here: each meme under its strongest relation, strongest
and nearest first, `?relation=` keeping one."""

from api.tests.test_templates import FAR, finish, meme
from api.web.state import SERVICES
from tests.helpers import problem_of, query


async def test_similar_lists_each_meme_under_its_strongest_relation(client, database_url):
    services = client.server.app[SERVICES]
    target = await meme(client, "Target", "red")
    twin = await meme(client, "Twin", "red")  # the same picture
    repost = await meme(client, "Repost", "blue")  # its template, its words
    captioned = await meme(client, "Captioned", "green")  # its template, other words
    late = await meme(client, "Late", "navy")  # its template, its words, another picture
    unrelated = await meme(client, "Unrelated", "olive")
    await finish(services, target["sha256"], 0, 0, "ONE DOES NOT SIMPLY\nPOST A MEME")
    await finish(services, repost["sha256"], 0b11111, 0b11, "ONE DOES NOT SIMPLY\nPOST A MEME")
    await finish(services, captioned["sha256"], FAR, 0b1, "ONE DOES NOT SIMPLY\nWRITE SQL")
    await finish(services, unrelated["sha256"], ~0, ~0, "ONE DOES NOT SIMPLY\nPOST A MEME")
    # Read a little wrong, and a watermark: a repost still, of the first picture of its words.
    await finish(services, late["sha256"], FAR, 0, "ONE DOES NOT SIMPLV\nPOST A MEME\nimgflip")
    repost_of = "SELECT sha256, repost_of FROM blobs ORDER BY sha256"
    assert {sha: of for sha, of in query(database_url, repost_of)} == {
        target["sha256"]: target["sha256"], repost["sha256"]: target["sha256"],
        captioned["sha256"]: captioned["sha256"], late["sha256"]: target["sha256"],
        unrelated["sha256"]: unrelated["sha256"],
    }  # fmt: skip

    async def related(query_string: str = "") -> list[tuple[int, str, int]]:
        response = await client.get(f"/memes/{target['id']}/similar{query_string}")
        assert response.status == 200, await response.text()
        body = await response.json()
        assert body["processing"] == "done"
        return [(item["id"], item["relation"], item["distance"]) for item in body["items"]]

    assert await related() == [
        (twin["id"], "same-picture", 0),
        (repost["id"], "repost", 5),
        (late["id"], "repost", 32),
        (captioned["id"], "same-template", 32),
    ]
    assert await related("?relation=repost") == [
        (repost["id"], "repost", 5), (late["id"], "repost", 32)
    ]  # fmt: skip
    assert await related("?relation=same-template&limit=1") == [
        (captioned["id"], "same-template", 32)
    ]
    await problem_of(
        await client.get(f"/memes/{target['id']}/similar?relation=cousin"), 422,
        "validation-failed",
    )  # fmt: skip


async def test_pictures_as_near_as_each_other_come_in_sha256_order(client):
    """A relation keeps its nearest pictures before it reads their memes (a template has tens
    of thousands): those equally near come in the order of their sha256, whichever was
    processed first, and a page cut among them keeps the first."""
    services = client.server.app[SERVICES]
    target = await meme(client, "Target", "red")
    pictures = [await meme(client, title, color) for title, color in
                (("A", "blue"), ("B", "green"), ("C", "navy"))]  # fmt: skip
    await finish(services, target["sha256"], 0, 0, "ONE DOES NOT SIMPLY\nPOST A MEME")
    captions = ("HOW IT STARTED", "WHEN THE CODE WORKS", "NOBODY EXPECTS")
    for n, picture in enumerate(reversed(pictures)):
        await finish(services, picture["sha256"], 0b11 << (2 * n), 0b1, captions[n])
    pictures.sort(key=lambda picture: picture["sha256"])
    for limit in (1, 2, 3):
        response = await client.get(f"/memes/{target['id']}/similar?limit={limit}")
        assert response.status == 200
        assert [(item["id"], item["relation"], item["distance"])
                for item in (await response.json())["items"]] == [
            (picture["id"], "same-template", 2) for picture in pictures[:limit]
        ]  # fmt: skip
