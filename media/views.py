"""The media service's HTTP API: store, fetch, inspect and delete blobs by key."""

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path

from aiohttp import web

from common.problems import Problem
from common.streaming import streaming
from media.keys import SETTINGS, STORAGE
from media.storage import CHUNK_BYTES, checked_key


class BlobTooLarge(Problem):
    status = 413
    code = "payload-too-large"


class EmptyBlob(Problem):
    status = 422
    code = "empty-blob"


class DigestMismatch(Problem):
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
                    raise BlobTooLarge(f"A blob is at most {settings.max_upload_bytes} bytes")
                digest.update(chunk)
                await asyncio.to_thread(spool.write, chunk)
        if size == 0:
            raise EmptyBlob("The body is empty")
        if digest.hexdigest() != key:
            raise DigestMismatch("The body's sha256 is not the key")
        await request.app[STORAGE].put_file(key, path)
    finally:
        path.unlink(missing_ok=True)
    return web.json_response({"key": key, "size": size}, status=201)


async def get_blob(request: web.Request) -> web.StreamResponse:
    key = checked_key(request.match_info["key"])
    async with request.app[STORAGE].open(key) as blob:
        response = web.StreamResponse(
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(blob.size)}
        )
        async with streaming(request, response):
            async for chunk in blob.chunks:
                await response.write(chunk)
    return response


async def head_blob(request: web.Request) -> web.Response:
    key = checked_key(request.match_info["key"])
    size = await request.app[STORAGE].size(key)
    return web.Response(
        headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)}
    )


async def delete_blob(request: web.Request) -> web.Response:
    key = checked_key(request.match_info["key"])
    await request.app[STORAGE].delete(key)
    return web.Response(status=204)
