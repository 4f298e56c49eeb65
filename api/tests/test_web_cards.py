"""A meme's page (/m/{id}) as a chat's link preview reads it, with no script run: the meme's
title as the page's, its OpenGraph and Twitter card, every value escaped; a meme that does not
exist or is hidden is a 404 page of the gallery's look."""

from html.parser import HTMLParser

from api.tests.test_hidden_memes import MOD, client, hide
from api.web.gallery import CSP
from tests.helpers import create_meme, meme_form

__all__ = ["client"]  # the fixture: an api with a moderator

HOSTILE = "<script>alert(\"x\")</script> & 'quotes' — Ünïcødé 🐸"


class Head(HTMLParser):
    """The <title>, the <meta> tags by name or property, and the status line's text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.title, self.meta, self.links, self.status, self._in = "", {}, {}, "", None
        self.scripts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            self.meta[attrs.get("property") or attrs.get("name")] = attrs["content"]
        elif tag == "link":
            self.links[attrs["rel"]] = attrs["href"]
        elif tag == "script":
            self.scripts.append(attrs["src"])
        elif tag == "title" or attrs.get("id") == "status":
            self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "p":
            self.status += data


def base_of(client) -> str:
    return f"http://{client.server.host}:{client.server.port}"


async def page(client, meme_id: int, status: int = 200) -> Head:
    response = await client.get(f"/m/{meme_id}")
    assert response.status == status
    assert response.content_type == "text/html"
    assert response.headers["Content-Security-Policy"] == CSP
    return Head(await response.text())


async def test_a_memes_card_names_it_its_picture_and_its_page(client):
    meme = await create_meme(client, HOSTILE, f"{HOSTILE}\nline two", ["classic"])
    response = await client.get(f"/m/{meme['id']}")
    html = await response.text()
    assert HOSTILE not in html and "<script>alert" not in html  # escaped, everywhere
    head = Head(html)
    base, page_url = base_of(client), f"{base_of(client)}/m/{meme['id']}"
    assert head.title == f"{HOSTILE} · memes"
    assert head.meta == {
        "viewport": "width=device-width, initial-scale=1",
        "description": f"{HOSTILE} line two",
        "og:type": "website",
        "og:site_name": "memes",
        "og:title": HOSTILE,
        "og:description": f"{HOSTILE} line two",
        "og:url": page_url,
        "og:image": base + meme["content_url"],
        "og:image:type": "image/png",
        "og:image:width": str(meme["width"]),
        "og:image:height": str(meme["height"]),
        "og:image:alt": HOSTILE,
        "twitter:card": "summary_large_image",
        "twitter:title": HOSTILE,
        "twitter:description": f"{HOSTILE} line two",
        "twitter:image": base + meme["content_url"],
        "twitter:image:alt": HOSTILE,
    }
    assert head.links["canonical"] == page_url
    assert "/static/meme.js" in head.scripts and head.status == ""
    picture = await client.get(head.meta["og:image"].removeprefix(base))
    assert picture.status == 200 and picture.content_type == "image/png"


async def test_a_card_without_a_description_says_what_it_is_and_a_long_one_is_cut(client):
    bare = await create_meme(client, "Bare")
    assert (await page(client, bare["id"])).meta["og:description"] == "A meme on memes"
    long = await create_meme(client, "Long", "word " * 100)
    description = (await page(client, long["id"])).meta["og:description"]
    assert len(description) == 200 and description.endswith("…")


async def test_a_sensitive_memes_card_has_no_picture(client):
    response = await client.post("/memes", data=meme_form("Gore", sensitive="true"))
    meme = await response.json()
    head = await page(client, meme["id"])
    assert head.meta["og:title"] == "Gore" and head.meta["twitter:card"] == "summary"
    assert not {name for name in head.meta if "image" in name}


async def test_a_meme_that_does_not_exist_is_a_404_page(client):
    for meme_id in (1, 0, 2**63, 10**30):
        head = await page(client, meme_id, status=404)
        assert head.title == "No such meme · memes"
        assert head.status == "There is no such meme."
        assert not {name for name in head.meta if ":" in name}  # no card
    head_only = await client.head("/m/1")
    assert head_only.status == 404


async def test_a_hidden_meme_is_a_404_page_whose_script_still_shows_it_to_moderators(client):
    meme = await create_meme(client, "Hidden away")
    await hide(client, meme)
    head = await page(client, meme["id"], status=404)
    assert head.title == "No such meme · memes" and "Hidden away" not in str(head.meta)
    assert "/static/meme.js" in head.scripts  # it asks the api with a moderator's token
    assert (await client.get(f"/memes/{meme['id']}", headers=MOD)).status == 200
    await hide(client, meme, "public")
    assert (await page(client, meme["id"])).title == "Hidden away · memes"
