"""Hidden memes (a moderator's `{"visibility": "hidden"}`): 404 to everyone but moderators,
their owners too; absent from every list, filter, search, cursor, offset, total, export,
`/tags`, `/similar` and `/templates`; their picture URLs 404, the picture cache's too; listed
to moderators with `?visibility=hidden`."""

import json

import pytest

from api.app import create_app
from tests.helpers import api_settings_for, create_meme, owner, problem_of, query

MODERATOR = "the-moderators-token-0123456789"
STRANGER = "a-strangers-token-0123456789"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


MOD = bearer(MODERATOR)


def moderated(database_url, media_server, tmp_path, **settings):
    return create_app(
        api_settings_for(
            database_url,
            str(media_server.make_url("")),
            tmp_path,
            moderator_tokens=f"mod:{MODERATOR}",
            **settings,
        )
    )


@pytest.fixture
async def client(aiohttp_client, database_url, media_server, tmp_path):
    return await aiohttp_client(moderated(database_url, media_server, tmp_path))


async def hide(client, meme: dict, visibility: str = "hidden") -> None:
    response = await client.patch(
        f"/memes/{meme['id']}", json={"visibility": visibility}, headers=MOD
    )
    assert response.status == 200, await response.text()


async def ids(client, url: str, headers: dict | None = None) -> list[int]:
    """The ids of every page of a list, following `next`."""
    found = []
    while url:
        response = await client.get(url, headers=headers)
        assert response.status == 200, await response.text()
        body = await response.json()
        found += [item["id"] for item in body["items"]]
        url = body["next"] and f"{url.split('&cursor=')[0]}&cursor={body['next']}"
    return found


async def total(client, url: str, headers: dict | None = None) -> int | None:
    response = await client.get(url, headers=headers)
    assert response.status == 200, await response.text()
    return (await response.json())["total"]


async def exported(client, url: str, headers: dict | None = None) -> list[int]:
    response = await client.get(url, headers=headers)
    assert response.status == 200, await response.text()
    return [json.loads(line)["id"] for line in (await response.text()).splitlines()]


async def test_a_hidden_meme_is_404_to_all_but_moderators_its_owner_too(client, database_url):
    meme = await create_meme(client, "Rude")
    url = f"/memes/{meme['id']}"
    await hide(client, meme)

    for headers in (None, owner(meme), bearer(STRANGER)):
        await problem_of(await client.get(url, headers=headers), 404, "not-found")
    shown = await client.get(url, headers=MOD)
    assert shown.status == 200
    assert (await shown.json())["visibility"] == "hidden"

    # Hidden is as gone to its owner: no change, no delete, whatever the token.
    for headers in (owner(meme), bearer(STRANGER)):
        await problem_of(
            await client.put(url, json={"title": "Mine"}, headers=headers), 404, "not-found"
        )
        await problem_of(
            await client.patch(url, json={"title": "Mine"}, headers=headers), 404, "not-found"
        )
        await problem_of(await client.delete(url, headers=headers), 404, "not-found")
    assert query(database_url, "SELECT title FROM memes") == [("Rude",)]

    # A moderator changes it, and it stays hidden.
    changed = await client.patch(url, json={"title": "Tamed"}, headers=MOD)
    assert changed.status == 200
    assert [(await changed.json())[k] for k in ("title", "visibility")] == ["Tamed", "hidden"]
    replaced = await client.put(url, json={"title": "Tamed again", "tags": ["x"]}, headers=MOD)
    assert replaced.status == 200

    await hide(client, meme, "public")
    assert (await client.get(url)).status == 200
    assert (await client.patch(url, json={"title": "Mine"}, headers=owner(meme))).status == 200
    await hide(client, meme)
    assert (await client.delete(url, headers=MOD)).status == 204
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]


@pytest.fixture
async def three(client) -> dict[str, dict]:
    """Oldest first: `shown` and `hidden` share a picture, a tag and a word; `other` not."""
    made = {
        "shown": await create_meme(client, "Grumpy one", "a cat", ["cats"], "red"),
        "hidden": await create_meme(client, "Grumpy two", "a cat", ["cats", "rude"], "red"),
        "other": await create_meme(client, "Other", "a dog", ["dogs"], "blue"),
    }
    await hide(client, made["hidden"])
    return made


@pytest.mark.parametrize(
    "filters",
    [
        "",
        "sort=title",
        "sort=-title",
        "sort=created_at",
        "tag=cats",
        "tags_all=cats&tags_all=rude",
        "tags_any=rude&tags_any=dogs",
        "q=grumpy",
        "q=grumpy&sort=title",
        "q=cat",
        "processing=pending",
        "sha256={sha256}",
    ],
)
async def test_a_hidden_meme_is_in_no_list_total_or_export(client, three, filters):
    filters = filters.format(sha256=three["hidden"]["sha256"])
    every = await ids(client, f"/memes?limit=100&{filters}")
    assert three["hidden"]["id"] not in every
    assert await ids(client, f"/memes?limit=1&{filters}") == every  # page by page, by cursor
    by_offset = [
        (await (await client.get(f"/memes?limit=1&offset={n}&{filters}")).json())["items"]
        for n in range(len(every) + 1)
    ]
    assert [item["id"] for items in by_offset for item in items] == every
    assert await total(client, f"/memes?{filters}") == len(every)
    assert await exported(client, f"/memes/export?{filters}") == every


async def test_tags_count_public_memes_only(client, database_url, three):
    async def counts() -> dict[str, int]:
        body = await (await client.get("/tags")).json()
        return {item["name"]: item["memes"] for item in body["items"]}

    assert await counts() == {"cats": 1, "dogs": 1}  # `rude` is the hidden meme's alone
    await hide(client, three["hidden"], "public")
    assert await counts() == {"cats": 2, "dogs": 1, "rude": 1}
    await hide(client, three["hidden"])
    # A hidden meme changed, then deleted: still counted nowhere, and nothing left over.
    url = f"/memes/{three['hidden']['id']}"
    assert (await client.patch(url, json={"tags": ["rude", "dogs"]}, headers=MOD)).status == 200
    assert await counts() == {"cats": 1, "dogs": 1}
    assert (await client.delete(url, headers=MOD)).status == 204
    assert await counts() == {"cats": 1, "dogs": 1}


async def test_only_moderators_list_hidden_memes_with_cursors(client, three):
    second = await create_meme(client, "Also rude", color="green")
    await hide(client, second)
    for url in ("/memes?visibility=hidden", "/memes/export?visibility=all"):
        await problem_of(await client.get(url), 401, "unauthorized")
        for headers in (bearer(STRANGER), owner(second)):
            await problem_of(await client.get(url, headers=headers), 403, "forbidden")

    hidden = [second["id"], three["hidden"]["id"]]
    assert await ids(client, "/memes?visibility=hidden&limit=1", MOD) == hidden
    assert await ids(client, "/memes?visibility=hidden&limit=1&sort=title", MOD) == hidden
    assert await total(client, "/memes?visibility=hidden", MOD) == 2
    assert await ids(client, "/memes?visibility=hidden&limit=1&q=grumpy", MOD) == hidden[1:]
    assert await exported(client, "/memes/export?visibility=hidden", MOD) == hidden
    every = [second["id"], three["other"]["id"], three["hidden"]["id"], three["shown"]["id"]]
    assert await ids(client, "/memes?visibility=all&limit=1", MOD) == every
    assert await total(client, "/memes?visibility=all", MOD) == 4
    first = await (await client.get("/memes?visibility=all&limit=1&offset=2", headers=MOD)).json()
    assert [item["id"] for item in first["items"]] == [three["hidden"]["id"]]
    # A moderator's public list is everyone's; a cursor keeps to the list it was made for.
    assert await ids(client, "/memes?limit=1", MOD) == [every[1], every[3]]
    public_next = (await (await client.get("/memes?limit=1")).json())["next"]
    await problem_of(
        await client.get(f"/memes?visibility=hidden&cursor={public_next}", headers=MOD),
        400,
        "invalid-cursor",
    )
