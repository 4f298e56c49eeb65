"""The gallery: plain HTML, CSS and JavaScript files served at `/`, a client of the api's own
JSON endpoints like any other. Not PydanticViews, so openapi.json leaves them out.

Every response carries a strict Content-Security-Policy: scripts and styles only from these
files (nothing inline, nothing from another host), pictures also from `blob:` (the upload's
preview) and `data:`.
"""

from pathlib import Path
from string import Template

from aiohttp import web

from api.web.state import SETTINGS
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
    r"/m/{id:\d+}": ("meme · memes", "meme.js", "meme.main.html"),
    # Not /templates: that is the api's JSON list, which this page reads.
    "/t": ("Templates · memes", "templates.js", "templates.main.html"),
    # Not /moderation: the api's log is under it.
    "/mod": ("Moderation · memes", "mod.js", "mod.main.html"),
}
# The assets are the files there now; nothing else under /static/ is served.
ASSETS = {path.name: path for path in STATIC.iterdir() if path.suffix in {".css", ".js", ".svg"}}


def _read(name: str) -> str:
    return (STATIC / name).read_text()


def _mebibytes(size: int) -> str:
    return f"{size // MiB} MiB" if size % MiB == 0 else f"{size / MiB:.1f} MiB"


def render(title: str, script: str, main: str, max_upload_bytes: int) -> str:
    # The picture's size limit is the api's own setting: the form checks it before sending.
    limits = {"max_upload_bytes": max_upload_bytes, "max_upload": _mebibytes(max_upload_bytes)}
    picture = Template(_read("picture.part.html")).substitute(limits)
    parts = {"fields": _read("fields.part.html"), "picture": picture}
    body = Template(_read(main)).substitute(parts)
    return Template(_read("page.html")).substitute(title=title, script=script, main=body)


def _page(html: str):
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html", headers=HEADERS)

    return page


async def asset(request: web.Request) -> web.FileResponse:
    path = ASSETS.get(request.match_info["name"])
    if path is None:
        raise NotFound(f"No gallery file {request.match_info['name']!r}")
    return web.FileResponse(path, headers=HEADERS)


def setup_gallery(app: web.Application) -> None:
    max_upload_bytes = app[SETTINGS].max_upload_bytes
    for route, (title, script, main) in PAGES.items():
        app.router.add_get(route, _page(render(title, script, main, max_upload_bytes)))
    app.router.add_get("/static/{name}", asset)
