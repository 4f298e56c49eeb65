"""Absolute URLs (api.web.links): `PUBLIC_URL` first; else the scheme and host a trusted proxy
forwards (Forwarded, X-Forwarded-Proto/Host), never anyone else's; else the request's own. In
the `Location` and `Link` of a new meme, the `Link` of a meme, and a meme page's card."""

import pytest
from pydantic import ValidationError

from api.app import create_app
from api.settings import ApiSettings
from api.tests.test_web_cards import Head
from tests.helpers import api_settings_for, meme_form

PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "memes.example.com"}


@pytest.fixture
def api(aiohttp_client, database_url, media_server, tmp_path):
    async def started(**settings):
        media = str(media_server.make_url(""))
        return await aiohttp_client(
            create_app(api_settings_for(database_url, media, tmp_path, **settings))
        )

    return started


async def addresses(client, headers: dict | None = None) -> dict[str, str]:
    """Where a new meme is, said three ways: its Location, its page's Link, its card's og:url."""
    created = await client.post("/memes", data=meme_form("Where am I"), headers=headers)
    assert created.status == 201, await created.text()
    meme_id = (await created.json())["id"]
    read = await client.get(f"/memes/{meme_id}", headers=headers)
    page = await client.get(f"/m/{meme_id}", headers=headers)
    card = Head(await page.text()).meta
    assert card["og:image"].endswith(f"/images/{(await read.json())['sha256']}")
    return {
        "location": created.headers["Location"].removesuffix(f"/memes/{meme_id}"),
        "link": created.headers["Link"],
        "read": read.headers["Link"],
        "card": card["og:url"].removesuffix(f"/m/{meme_id}"),
        "picture": card["og:image"].split("/images/")[0],
        "id": str(meme_id),
    }


def at(base: str, found: dict[str, str]) -> dict[str, str]:
    """What `addresses` finds when every URL starts with `base`."""
    link = f'<{base}/m/{found["id"]}>; rel="alternate"; type="text/html"'
    return {"location": base, "link": link, "read": link, "card": base, "picture": base,
            "id": found["id"]}  # fmt: skip


async def test_without_a_proxy_urls_start_with_the_requests_host(api):
    client = await api()
    found = await addresses(client)
    assert found == at(f"http://127.0.0.1:{client.server.port}", found)
    found = await addresses(client, {"Host": "memes.lan:8080"})
    assert found == at("http://memes.lan:8080", found)


async def test_a_trusted_proxy_says_the_scheme_and_host(api):
    client = await api(trusted_proxies="127.0.0.1")
    for headers, base in [
        (PROXY, "https://memes.example.com"),
        (PROXY | {"X-Forwarded-For": "192.0.2.1"}, "https://memes.example.com"),
        ({"Forwarded": 'for=192.0.2.1;proto=https;host="memes.example.org:8443"'},
         "https://memes.example.org:8443"),
        # Appended to what the client sent: the nearest proxy's value counts.
        ({"X-Forwarded-Host": "evil.example, memes.example.com"}, "http://memes.example.com"),
    ]:  # fmt: skip
        found = await addresses(client, headers)
        assert found == at(base, found), headers


async def test_anyone_elses_forwarded_headers_are_ignored(api):
    client = await api(trusted_proxies="10.0.0.0/8")
    own = f"http://127.0.0.1:{client.server.port}"
    for headers in (PROXY, {"Forwarded": "proto=https;host=evil.example"}):
        found = await addresses(client, headers)
        assert found == at(own, found)


async def test_an_unusable_forwarded_host_is_ignored(api):
    client = await api(trusted_proxies="127.0.0.1")
    own = f"http://127.0.0.1:{client.server.port}"
    for headers in ({"X-Forwarded-Host": 'evil"><script>'}, {"X-Forwarded-Proto": "javascript"}):
        found = await addresses(client, headers)
        assert found == at(own, found)


async def test_public_url_wins_over_everything(api):
    client = await api(trusted_proxies="127.0.0.1", public_url="https://memes.example.net/")
    found = await addresses(client, PROXY | {"Host": "memes.lan"})
    assert found == at("https://memes.example.net", found)


@pytest.mark.parametrize(
    "value, origin",
    [
        ("https://memes.example.com", "https://memes.example.com"),
        ("https://memes.example.com/", "https://memes.example.com"),
        ("https://memes.example.com:443", "https://memes.example.com"),
        ("http://localhost:8080", "http://localhost:8080"),
    ],
)
def test_public_url_is_an_origin(value, origin):
    assert ApiSettings(_env_file=None, public_url=value).public_url == origin


@pytest.mark.parametrize(
    "value",
    ["memes.example.com", "ftp://memes.example.com", "https://memes.example.com/memes",
     "https://memes.example.com/?a=1", "https://user@memes.example.com", "https://"],
)  # fmt: skip
def test_public_url_is_refused_when_it_is_not_an_origin(value):
    with pytest.raises(ValidationError, match="public_url"):
        ApiSettings(_env_file=None, public_url=value)
