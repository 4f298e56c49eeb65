"""The media service's HTTP API: store, fetch, inspect and delete blobs by key."""

import asyncio
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from aiohttp import web

from common.limits import largest_blob
from common.problems import NotReady, PayloadTooLarge
from common.streaming import BodyStream, streaming
from media.errors import DeadlinePassed, DigestMismatch, EmptyBlob, InvalidQuery, StorageUnavailable
from media.state import SERVICES
from media.store.base import CHUNK_BYTES, byte_range, checked_key

MAX_LISTING = 1000


async def health(request: web.Request) -> web.Response:
    """The process is up (liveness)."""
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """The store can take blobs now: the bucket answers, or the directory is writable."""
    try:
        await request.app[SERVICES].store.check()
    except StorageUnavailable as exc:
        raise NotReady({"store": exc.detail}) from None
    return web.json_response({"status": "ready"})


async def put_blob(request: web.Request) -> web.Response:
    """Spool the streamed body to a temporary file, check its sha256 against the key, store it."""
    key = checked_key(request.match_info["key"])
    limit = largest_blob(request.app[SERVICES].settings.max_upload_bytes)
    if (request.content_length or 0) > limit:  # refused before a byte of it is spooled
        raise PayloadTooLarge(f"A blob is at most {limit} bytes")
    fd, name = tempfile.mkstemp(dir=request.app[SERVICES].spool)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as spool:
            digest, size = hashlib.sha256(), 0
            async for chunk in request.content.iter_chunked(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"A blob is at most {limit} bytes")
                digest.update(chunk)
                await asyncio.to_thread(spool.write, chunk)
        if size == 0:
            raise EmptyBlob("The body is empty")
        if digest.hexdigest() != key:
            raise DigestMismatch("The body's sha256 is not the key")
        await request.app[SERVICES].store.put_file(key, path)
    finally:
        path.unlink(missing_ok=True)
    return web.json_response({"key": key, "size": size}, status=201)


async def get_blob(request: web.Request) -> web.StreamResponse:
    """The blob's bytes; a single byte range of them with `Range: bytes=...` (206 or 416)."""
    key = checked_key(request.match_info["key"])
    store = request.app[SERVICES].store
    headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
    part = None
    if "Range" in request.headers:
        size = await store.size(key)
        part = byte_range(request.headers["Range"], size)
        if part is not None:
            headers["Content-Range"] = f"bytes {part.start}-{part.end}/{size}"
    async with store.open(key, part) as blob:
        headers["Content-Length"] = str(blob.length)
        response = BodyStream(status=200 if part is None else 206, headers=headers)
        async with streaming(request, response):
            async for chunk in blob.chunks:
                await response.write(chunk)
    return response


async def head_blob(request: web.Request) -> web.Response:
    key = checked_key(request.match_info["key"])
    size = await request.app[SERVICES].store.size(key)
    headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
    response = web.StreamResponse(headers=headers)
    response.content_length = size
    return response


async def delete_blob(request: web.Request) -> web.Response:
    """Delete the blob; with `X-Deadline` (Unix time), only before then."""
    key = checked_key(request.match_info["key"])
    try:
        deadline = float(request.headers.get("X-Deadline", "inf"))
    except ValueError:
        raise InvalidQuery("X-Deadline is a Unix time in seconds") from None
    remaining = deadline - time.time()
    if remaining <= 0:
        raise DeadlinePassed("The deadline of this deletion has passed; nothing was deleted")
    try:
        async with asyncio.timeout(None if remaining == float("inf") else remaining):
            await request.app[SERVICES].store.delete(key)
    except TimeoutError:
        raise StorageUnavailable("The store did not delete the blob before the deadline") from None
    return web.Response(status=204)


async def list_blobs(request: web.Request) -> web.Response:
    """`?after=KEY&limit=N`: the blobs whose keys come after KEY, in key order, with their size
    and time stored; an empty list at the end."""
    after = request.query.get("after", "")
    limit = request.query.get("limit", str(MAX_LISTING))
    if not re.fullmatch(r"[0-9a-f]{0,64}", after) or not re.fullmatch(r"\d{1,4}", limit):
        raise InvalidQuery("after is part of a key, limit a number from 1 to 1000")
    if not 1 <= int(limit) <= MAX_LISTING:
        raise InvalidQuery("limit is a number from 1 to 1000")
    found = await request.app[SERVICES].store.list_after(after, int(limit))
    blobs = [
        {"key": blob.key, "size": blob.size, "stored_at": blob.stored_at.isoformat()}
        for blob in found
    ]
    return web.json_response({"blobs": blobs})
