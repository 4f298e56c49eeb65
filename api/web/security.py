"""Headers every response carries, whatever produced it (a view, an error, a static file)."""

from aiohttp import web

# A JSON api is never framed, never sniffed into HTML, and runs nothing: pages that need more
# (Swagger UI, the gallery) set their own Content-Security-Policy.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def setup_security_headers(app: web.Application) -> None:
    app.on_response_prepare.append(security_headers)
