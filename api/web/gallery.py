"""The gallery: plain HTML, CSS and JavaScript files served at `/`, a client of the api's own
JSON endpoints like any other. Not PydanticViews, so openapi.json leaves them out.

Every response carries a strict Content-Security-Policy: scripts and styles only from these
files (nothing inline, nothing from another host), pictures also from `blob:` (the upload's
preview) and `data:`.
"""

import json
from functools import cache
from html import escape
from pathlib import Path
from string import Template

from aiohttp import web

from api.domain import memes
from api.web.cards import card_head
from api.web.links import absolute, page_path, public_base
from api.web.state import SERVICES, SETTINGS
from common.problems import NotFound

MiB = 1024 * 1024
STATIC = Path(__file__).resolve().parent / "static"
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])  # fmt: skip
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",  # small files: revalidated (ETag), so a release shows at once
}
# Each page: its route, title, script and `<main>`, put in the one shell (page.html) with the
# header every page shares; the upload and edit forms share their fields (*.part.html). Made
# once, when the app is built: the files do not change while it runs.
PAGES = {
    "/": ("memes", "grid.js", "index.main.html"),
    "/upload": ("Upload a meme · memes", "upload.js", "upload.main.html"),
    # Not /templates: that is the api's JSON list, which this page reads.
    "/t": ("Templates · memes", "templates.js", "templates.main.html"),
    # Not /moderation: the api's log is under it.
    "/mod": ("Moderation · memes", "mod.js", "mod.main.html"),
}
MEME_PAGE = ("memes", "meme.js", "meme.main.html")  # /m/{id}: made for each request
MAX_ID = 2**63 - 1  # a bigint's largest
# The assets are the files there now; nothing else under /static/ is served.
ASSETS = {path.name: path for path in STATIC.iterdir() if path.suffix in {".css", ".js", ".svg"}}


@cache  # read once: the files do not change while the api runs, and a meme's page is made often
def _read(name: str) -> str:
    return (STATIC / name).read_text()


def _mebibytes(size: int) -> str:
    return f"{size // MiB} MiB" if size % MiB == 0 else f"{size / MiB:.1f} MiB"


def render(
    title: str, script: str, main: str, max_upload_bytes: int, head: str = "", status: str = ""
) -> str:
    """A page: `head` is HTML for its <head> (escaped by whoever made it); `status`, the text
    its status line starts with. The picture's size limit is the api's own setting: the form
    checks it before sending."""
    limits = {"max_upload_bytes": max_upload_bytes, "max_upload": _mebibytes(max_upload_bytes)}
    parts = {
        "fields": _read("fields.part.html"),
        "picture": Template(_read("picture.part.html")).substitute(limits),
        "status": escape(status),
    }
    body = Template(_read(main)).substitute(parts)
    return Template(_read("page.html")).substitute(
        title=escape(title), head=head, script=script, main=body
    )


def _page(html: str):
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html", headers=HEADERS)

    return page


async def meme_page(request: web.Request) -> web.Response:
    """A meme's page: its title, and its card for chats (api.web.cards). A meme that does not
    exist or is hidden is a 404 page of the same look (whose script still shows a hidden meme
    to a moderator: it asks the api with the moderator's token, which this request lacks)."""
    meme_id = int(request.match_info["id"])
    title, script, main = MEME_PAGE
    limit = request.app[SETTINGS].max_upload_bytes
    try:
        if not 1 <= meme_id <= MAX_ID:
            raise NotFound("No meme has this id")
        row = await memes.get(request.app[SERVICES], meme_id)
    except NotFound:
        status = "There is no such meme."
        html = render(f"No such meme · {title}", script, main, limit, status=status)
        return web.Response(status=404, text=html, content_type="text/html", headers=HEADERS)
    meme = json.loads(row["json"])
    head = card_head(meme, absolute(request, page_path(meme_id)), public_base(request))
    html = render(f"{meme['title']} · {title}", script, main, limit, head=head)
    return web.Response(text=html, content_type="text/html", headers=HEADERS)


async def asset(request: web.Request) -> web.FileResponse:
    path = ASSETS.get(request.match_info["name"])
    if path is None:
        raise NotFound(f"No gallery file {request.match_info['name']!r}")
    return web.FileResponse(path, headers=HEADERS)


def setup_gallery(app: web.Application) -> None:
    max_upload_bytes = app[SETTINGS].max_upload_bytes
    for route, (title, script, main) in PAGES.items():
        app.router.add_get(route, _page(render(title, script, main, max_upload_bytes)))
    app.router.add_get(r"/m/{id:\d+}", meme_page)
    app.router.add_get("/static/{name}", asset)
