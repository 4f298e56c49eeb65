"""The gallery: plain HTML, CSS and JavaScript files served at `/`, a client of the api's own
JSON endpoints like any other. Not PydanticViews, so openapi.json leaves them out.

Every response carries a strict Content-Security-Policy: scripts and styles only from these
files (nothing inline, nothing from another host), pictures also from `blob:` (the upload's
preview) and `data:`.
"""

from pathlib import Path

from aiohttp import web

from common.problems import NotFound

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
PAGES = {"/": "index.html", "/upload": "upload.html", r"/m/{id:\d+}": "meme.html"}
# The assets are the files there now; nothing else under /static/ is served.
ASSETS = {path.name: path for path in STATIC.iterdir() if path.suffix in {".css", ".js", ".svg"}}


def _page(name: str):
    async def page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name, headers=HEADERS)

    return page


async def asset(request: web.Request) -> web.FileResponse:
    path = ASSETS.get(request.match_info["name"])
    if path is None:
        raise NotFound(f"No gallery file {request.match_info['name']!r}")
    return web.FileResponse(path, headers=HEADERS)


def setup_gallery(app: web.Application) -> None:
    for route, name in PAGES.items():
        app.router.add_get(route, _page(name))
    app.router.add_get("/static/{name}", asset)
