"""An HTTP proxy in front of moto's S3 server that answers as MinIO does, or fails as a store
under load does, as the test tells it. It runs in a thread of its own, like moto's server.

- `minio`: refuse a lifecycle rule with neither Expiration nor Transition (`MalformedXML`,
  or `lifecycle_refusal`).
- `fail_next(n, status, code)`: the next n requests get an S3 error (`503 SlowDown`,
  `500 InternalError`) without reaching moto.
- `delay`: seconds to wait before forwarding each request.
- `cut_next_body(n)`: the next n object downloads send their headers and half the body, then
  the connection is closed.
"""

import asyncio
import threading
from concurrent.futures import Future

import aiohttp
from aiohttp import web

ERROR = """<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>{code}</Code><Message>{message}</Message><RequestId>proxy</RequestId></Error>"""
HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection"}


def s3_error(status: int, code: str, message: str = "injected by the test") -> web.Response:
    return web.Response(
        status=status, text=ERROR.format(code=code, message=message), content_type="application/xml"
    )


class FaultyS3:
    def __init__(self, upstream: str, minio: bool = True) -> None:
        self.upstream = upstream.rstrip("/")
        self.minio = minio
        # What MinIO answers a lifecycle rule with neither Expiration nor Transition; other
        # S3 servers answer NotImplemented or InvalidRequest.
        self.lifecycle_refusal = (400, "MalformedXML", "The XML you provided was not well-formed")
        self.delay = 0.0
        self.failures: list[tuple[int, str]] = []
        self.cuts = 0
        self.requests = 0  # seen, for tests that check a retry happened
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""

    def fail_next(self, n: int, status: int = 503, code: str = "SlowDown") -> None:
        with self.lock:
            self.failures = [(status, code)] * n

    def cut_next_body(self, n: int = 1) -> None:
        with self.lock:
            self.cuts = n

    def _take_failure(self) -> tuple[int, str] | None:
        with self.lock:
            self.requests += 1
            return self.failures.pop() if self.failures else None

    def _take_cut(self) -> bool:
        with self.lock:
            if self.cuts:
                self.cuts -= 1
                return True
            return False

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if failure := self._take_failure():
            return s3_error(*failure)
        if self.minio and "lifecycle" in request.query and request.method == "PUT":
            if b"<Expiration" not in body and b"<Transition" not in body:
                return s3_error(*self.lifecycle_refusal)
        if self.delay:
            await asyncio.sleep(self.delay)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        url = self.upstream + request.path_qs
        async with self.session.request(request.method, url, headers=headers, data=body) as up:
            payload = await up.read()
            out = {k: v for k, v in up.headers.items() if k.lower() not in HOP_BY_HOP}
            cut = request.method == "GET" and up.status in (200, 206) and len(payload) > 1
            if cut and self._take_cut():
                response = web.StreamResponse(status=up.status, headers=out)
                response.content_length = len(payload)
                await response.prepare(request)
                await response.write(payload[: len(payload) // 2])
                request.transport.close()
                return response
            if request.method == "HEAD":  # the length of the body a GET would get
                response = web.StreamResponse(status=up.status, headers=out)
                response.content_length = int(up.headers.get("Content-Length", 0))
                return response
            return web.Response(status=up.status, headers=out, body=payload)

    async def _start(self) -> str:
        self.session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        await self.runner.cleanup()
        await self.session.close()

    def _run(self, coro) -> object:
        future: Future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout=10)

    def start(self) -> "FaultyS3":
        self.thread.start()
        self.url = self._run(self._start())
        return self

    def stop(self) -> None:
        self._run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()
