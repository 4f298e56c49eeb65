"""The relations of `/memes/{id}/similar` (api/domain/similar.py, api/db/similar.py) on the
real database, with hashes made up here: each meme under its strongest relation, strongest
and nearest first, `?relation=` keeping one."""

from api.tests.test_templates import FAR, finish, meme, shown
from api.web.state import SERVICES
from tests.helpers import execute, problem_of


async def test_similar_lists_each_meme_under_its_strongest_relation(client, database_url):
    services = client.server.app[SERVICES]
    target = await meme(client, "Target", "red")
    twin = await meme(client, "Twin", "red")  # the same picture
    repost = await meme(client, "Repost", "blue")
    captioned = await meme(client, "Captioned", "green")  # same template, other caption
    alike = await meme(client, "Alike", "navy")  # template hash near, assigned elsewhere
    unrelated = await meme(client, "Unrelated", "olive")
    await finish(services, target["sha256"], 0, 0)
    await finish(services, repost["sha256"], 0b11111, 0b11)  # 5 bits: a repost
    await finish(services, captioned["sha256"], FAR, 0b1)  # 32 bits apart, same template
    await finish(services, unrelated["sha256"], ~0, ~0)
    # Near the target's template hash yet in another template (made before it, say).
    await finish(services, alike["sha256"], FAR >> 1, -(1 << 48))  # 16 bits: far
    execute(database_url, "UPDATE picture_features SET template_hash = 127"  # 7 bits from 0
            f" WHERE sha256 = '{alike['sha256']}'")  # fmt: skip
    assert (await shown(client, alike["id"]))["template_id"] != 1

    async def related(query_string: str = "") -> list[tuple[int, str, int]]:
        response = await client.get(f"/memes/{target['id']}/similar{query_string}")
        assert response.status == 200, await response.text()
        body = await response.json()
        assert (body["distance"], body["template_distance"]) == (6, 10)
        return [(item["id"], item["relation"], item["distance"]) for item in body["items"]]

    assert await related() == [
        (twin["id"], "same-picture", 0),
        (repost["id"], "repost", 5),
        (alike["id"], "same-template", 31),
        (captioned["id"], "same-template", 32),
    ]
    assert await related("?relation=repost") == [(repost["id"], "repost", 5)]
    assert [i for i, _, _ in await related("?relation=same-template&limit=1")] == [alike["id"]]
    await problem_of(
        await client.get(f"/memes/{target['id']}/similar?relation=cousin"), 422,
        "validation-failed",
    )  # fmt: skip
