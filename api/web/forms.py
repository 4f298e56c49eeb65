"""Reading a meme's multipart form: fields in any order, the picture spooled to a temporary
file as it arrives (hashed and counted against the size cap), never held in memory.

A slow or stalled client holds nothing for long: the body is read only once the upload has a
slot (`MAX_UPLOADS`, given in turn to those that wait), every chunk must come within
`BODY_READ_TIMEOUT_SECONDS`, after `UPLOAD_GRACE_SECONDS` the body must have come at
`UPLOAD_MIN_BYTES_PER_SECOND` at least, and each client has at most `MAX_UPLOADS_PER_CLIENT`
uploads in progress or waiting; a spool that finds the disk full is a 503, not a 500."""

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from api.errors import (
    NO_ROOM,
    MalformedBody,
    MalformedMultipart,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
    no_room,
)
from api.values.meme_text import MemeText
from api.web.base import field_error
from api.web.state import SERVICES, SETTINGS, UPLOAD_SLOTS
from api.web.uploads import BodyPace, UploadSlots

CHUNK_BYTES = 64 * 1024
# The form's fields are MemeText's (as openapi.json documents them) and the picture.
TAGS_FIELD = "tags"
TEXT_FIELDS = tuple(name for name in MemeText.model_fields if name != TAGS_FIELD)
IMAGE_FIELD = "image"
SENSITIVE_FIELD = "sensitive"  # `true`: the poster marks the meme sensitive (`false`: unmarks)
FLAGS = {"true": True, "false": False}
FIELDS = ", ".join([*MemeText.model_fields, IMAGE_FIELD, SENSITIVE_FIELD])
# Title, description, image and a tags field per tag fit well below; more is an attack.
MAX_PARTS = 32
MAX_TEXT_BYTES = 16 * 1024  # far above the longest description, far below memory trouble


@dataclass(frozen=True)
class FormLimits:
    max_image_bytes: int
    read_timeout: float  # seconds the body may stall
    total_timeout: float  # seconds the whole form may take, however steadily it trickles in
    min_rate: int  # bytes a second the body must average once the grace is over; 0: any
    grace: float  # seconds from the start of the body before `min_rate` counts


@dataclass
class MemeForm:
    text: dict[str, str | list[str]] = field(default_factory=dict)
    image: Path | None = None  # the spooled picture
    image_sha256: str | None = None  # of the bytes as sent
    sensitive: bool | None = None  # not given: unchanged (not marked, for a new meme)

    def add_tags(self, value: str) -> None:
        """A tags field holds one tag or several, comma-separated; it may be repeated."""
        tags = self.text.setdefault(TAGS_FIELD, [])
        tags.extend(tag.strip() for tag in value.split(",") if tag.strip())


async def _within[T](pace: BodyPace, read: Awaitable[T]) -> T:
    """What `read` reads, if the body goes on arriving at its pace."""
    wait = pace.next_wait()  # 0 or less: cut off unless what `read` wants is here already
    try:
        async with asyncio.timeout(wait):
            return await read
    except TimeoutError:
        raise pace.cut_off(wait) from None
    except ConnectionResetError:
        # The client went away mid-body: its mistake, and nobody is left to answer.
        raise MalformedBody("The body was cut short: the client went away") from None


async def _chunks(part: BodyPartReader, pace: BodyPace) -> AsyncIterator[bytes]:
    """The part's chunks, each of which must arrive at the body's pace."""
    while chunk := await _within(pace, part.read_chunk(CHUNK_BYTES)):
        yield chunk


async def _read_text(part: BodyPartReader, pace: BodyPace) -> str:
    data = bytearray()
    async for chunk in _chunks(part, pace):
        data += chunk
        if len(data) > MAX_TEXT_BYTES:
            raise PayloadTooLarge(f"The field {part.name!r} is longer than {MAX_TEXT_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise field_error(part.name, "is not valid UTF-8") from None


async def _spool_image(
    part: BodyPartReader, limits: FormLimits, pace: BodyPace, spool: Path
) -> str:
    """The picture into `spool`; its sha256."""
    size, digest = 0, hashlib.sha256()
    with spool.open("wb") as file:
        async for chunk in _chunks(part, pace):
            size += len(chunk)
            if size > limits.max_image_bytes:
                raise PayloadTooLarge(f"The picture is larger than {limits.max_image_bytes} bytes")
            digest.update(chunk)
            with _busy_when_full():
                await asyncio.to_thread(file.write, chunk)
    if size == 0:
        raise field_error(IMAGE_FIELD, "the picture is empty")
    return digest.hexdigest()


async def _read_parts(request: web.Request, limits: FormLimits, spool: Path) -> MemeForm:
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType("Send the meme as multipart/form-data")
    form = MemeForm()
    pace = BodyPace(request.content, limits.read_timeout, limits.min_rate, limits.grace)
    reader = await request.multipart()
    for _ in range(MAX_PARTS):
        part = await _within(pace, reader.next())  # a boundary, part headers
        if part is None:
            return form
        if not isinstance(part, BodyPartReader):
            raise MalformedMultipart("Nested multipart bodies are not accepted")
        name = part.name or ""
        given = {IMAGE_FIELD: form.image, SENSITIVE_FIELD: form.sensitive is not None}
        if (name in TEXT_FIELDS and name in form.text) or given.get(name):
            raise field_error(name, "is given more than once")
        if name in TEXT_FIELDS:
            form.text[name] = await _read_text(part, pace)
        elif name == TAGS_FIELD:
            form.add_tags(await _read_text(part, pace))
        elif name == IMAGE_FIELD:
            form.image_sha256 = await _spool_image(part, limits, pace, spool)
            form.image = spool
        elif name == SENSITIVE_FIELD:
            value = await _read_text(part, pace)
            if value not in FLAGS:
                raise field_error(name, "is true or false")
            form.sensitive = FLAGS[value]
        else:
            raise field_error(name, f"is not a field of a meme ({FIELDS})")
    raise MalformedMultipart(f"A meme form has at most {MAX_PARTS} parts")


def meme_form(request: web.Request) -> AbstractAsyncContextManager[MemeForm]:
    """The meme form of the request, read within the settings' limits."""
    services, settings = request.app[SERVICES], request.app[SETTINGS]
    limits = FormLimits(
        settings.max_upload_bytes,
        settings.body_read_timeout_seconds,
        settings.upload_timeout_seconds,
        settings.upload_min_bytes_per_second,
        settings.upload_grace_seconds,
    )
    return _meme_form(request, limits, request.app[UPLOAD_SLOTS], services.scratch)


@asynccontextmanager
async def _meme_form(
    request: web.Request, limits: FormLimits, slots: UploadSlots, scratch: Path
) -> AsyncIterator[MemeForm]:
    """The form's fields; the picture spools in `scratch` and is removed when the block ends."""
    # The slot first: a body waiting for its turn is not read, and nothing is spooled for it.
    async with slots.hold(request.remote or "unknown"):
        with _spool_file(scratch) as spool:
            try:
                async with asyncio.timeout(limits.total_timeout):
                    form = await _read_parts(request, limits, spool)
            except TimeoutError:
                raise RequestTimeout(
                    f"The form did not arrive within {limits.total_timeout:g} s"
                ) from None
            except (HttpProcessingError, ValueError, AssertionError) as exc:
                # aiohttp's multipart reader raises these on a missing boundary or a broken body.
                raise MalformedMultipart(f"The multipart body is malformed: {exc}") from None
            yield form


@contextmanager
def _busy_when_full() -> Iterator[None]:
    """A disk with no room for the spool is the server's trouble for a while: 503, not 500."""
    try:
        yield
    except OSError as exc:
        if exc.errno in NO_ROOM:
            raise no_room() from None
        raise


@contextmanager
def _spool_file(scratch: Path) -> Iterator[Path]:
    with _busy_when_full():
        fd, name = tempfile.mkstemp(prefix="upload-", dir=scratch)
    os.close(fd)
    spool = Path(name)
    try:
        yield spool
    finally:
        spool.unlink(missing_ok=True)
