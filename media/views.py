"""The media service's HTTP API: store, fetch, inspect and delete blobs by key."""

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path

from aiohttp import web

from common.problems import PayloadTooLarge, Problem
from common.streaming import streaming
from media.state import SETTINGS, STORE
from media.store.base import CHUNK_BYTES, byte_range, checked_key


class EmptyBlob(Problem):
    """The body of a PUT is empty."""

    status = 422
    code = "empty-blob"


class DigestMismatch(Problem):
    """The body's sha256 is not the key it is put under."""

    status = 422
    code = "digest-mismatch"


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def put_blob(request: web.Request) -> web.Response:
    """Spool the streamed body to a temporary file, check its sha256 against the key, store it."""
    key = checked_key(request.match_info["key"])
    settings = request.app[SETTINGS]
    spool_dir = settings.media_storage_dir / "spool"
    spool_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=spool_dir)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as spool:
            digest, size = hashlib.sha256(), 0
            async for chunk in request.content.iter_chunked(CHUNK_BYTES):
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise PayloadTooLarge(f"A blob is at most {settings.max_upload_bytes} bytes")
                digest.update(chunk)
                await asyncio.to_thread(spool.write, chunk)
        if size == 0:
            raise EmptyBlob("The body is empty")
        if digest.hexdigest() != key:
            raise DigestMismatch("The body's sha256 is not the key")
        await request.app[STORE].put_file(key, path)
    finally:
        path.unlink(missing_ok=True)
    return web.json_response({"key": key, "size": size}, status=201)


async def get_blob(request: web.Request) -> web.StreamResponse:
    """The blob's bytes; a single byte range of them with `Range: bytes=...` (206 or 416)."""
    key = checked_key(request.match_info["key"])
    store = request.app[STORE]
    headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
    part = None
    if "Range" in request.headers:
        size = await store.size(key)
        part = byte_range(request.headers["Range"], size)
        if part is not None:
            headers["Content-Range"] = f"bytes {part.start}-{part.end}/{size}"
    async with store.open(key, part) as blob:
        headers["Content-Length"] = str(blob.length)
        response = web.StreamResponse(status=200 if part is None else 206, headers=headers)
        async with streaming(request, response):
            async for chunk in blob.chunks:
                await response.write(chunk)
    return response


async def head_blob(request: web.Request) -> web.Response:
    key = checked_key(request.match_info["key"])
    size = await request.app[STORE].size(key)
    headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
    response = web.StreamResponse(headers=headers)
    response.content_length = size
    return response


async def delete_blob(request: web.Request) -> web.Response:
    key = checked_key(request.match_info["key"])
    await request.app[STORE].delete(key)
    return web.Response(status=204)
