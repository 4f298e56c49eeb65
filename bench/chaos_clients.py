"""The clients of a chaos run, and the ledger of every answer they got.

Writers create memes with pictures, replace their pictures (PUT) and delete them, each on its
own memes, one request at a time, and read each success back at once: the api must serve what
it just wrote. Readers list, get and download; exporters read the whole export; slow clients
stall or trickle through an export, or trickle an upload. A write with no answer (the api was
killed, the connection reset) may have happened or not: the meme may be either way after it.
"""

import asyncio
import io
import json
import random
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from PIL import Image

from api.imaging.clean import ImageLimits, clean_image

CLIENT_TIMEOUT = 30.0  # seconds: an answer slower than this counts as none
TIMED_OUT = "timed out"
ANY_SIZE = ImageLimits(max_pixels=1 << 30, max_width=1 << 16, max_height=1 << 16, max_frames=1)
WORDS = [
    "cat",
    "dog",
    "boss",
    "coffee",
    "monday",
    "deploy",
    "bug",
    "merge",
    "pizza",
    "cloud",
    "regex",
    "wifi",
    "legacy",
]
BOUNDARY = "chaos-trickle-boundary"
# What each kind of request may honestly be answered with while things fail (503: try again).
# 404 where the meme may be gone; 408 and 429 for the slow clients an api may cut off or cap.
ALLOWED = {
    "create": {201, 503},
    "trickle upload": {201, 408, 503},
    "put": {200, 503},
    "delete": {204, 503},
    "read-back": {200, 404, 503},
    "list": {200, 503},
    "get": {200, 404, 503},
    "picture": {200, 404, 503},
    "export": {200, 429, 503},
    "slow export": {200, 408, 429, 503},
    "stalled export": {200, 408, 429, 503},
}
SLOW_KINDS = {"trickle upload", "slow export", "stalled export"}  # slow on purpose


@dataclass
class Answer:
    kind: str
    what: str  # method and path
    started: float  # seconds into the run
    seconds: float
    status: int | None  # None: no answer (refused, reset, cut off, timed out)
    detail: str = ""  # the problem's code, or the exception's name


@dataclass(frozen=True)
class State:
    title: str
    sha256: str | None  # None: the meme is gone


GONE = State("", None)


@dataclass
class Meme:
    id: int
    token: str
    states: set[State]  # what it may be now: one after an answered write, two after none
    history: list[str] = field(default_factory=list)

    @property
    def settled(self) -> State | None:
        return next(iter(self.states)) if len(self.states) == 1 else None


@dataclass
class Create:
    title: str
    key: str
    sha256: str  # of the picture's clean re-encoding
    outcome: str


class Ledger:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.answers: list[Answer] = []
        self.memes: dict[int, Meme] = {}
        self.failed_creates: list[Create] = []  # answered with an error: must have left nothing
        self.unanswered_creates: list[Create] = []  # at most one meme each, its picture whole
        self.untrue: list[str] = []  # answers that contradict what the client knows
        self.errors_read_back = 0  # writes answered with an error, their meme read after
        self.changed_by_errors: list[str] = []  # of those, the ones that changed it anyway
        self.faults: list[tuple[str, float, float]] = []  # (what, start, end) into the run

    def now(self) -> float:
        return time.monotonic() - self.started

    async def call(
        self, http: aiohttp.ClientSession, kind: str, method: str, url: str, **options
    ) -> tuple[int | None, bytes, Mapping[str, str]]:
        """One request, recorded."""
        started = time.monotonic()
        status, detail, body, headers = None, "", b"", {}
        try:
            async with http.request(method, url, **options) as response:
                body = await response.read()
                status, headers = response.status, response.headers.copy()
                if response.content_type == "application/problem+json":
                    detail = _code(body)
        except TimeoutError:  # aiohttp's timeouts are TimeoutErrors too
            status, detail = None, TIMED_OUT
        except aiohttp.ClientError as exc:
            status, detail = None, type(exc).__name__
        path = url.split("?")[0]
        self.answers.append(
            Answer(kind, f"{method} {path}", started - self.started,
                   time.monotonic() - started, status, detail)
        )  # fmt: skip
        return status, body, headers

    def untrue_answer(self, text: str) -> None:
        self.untrue.append(f"+{self.now():.1f} s {text}")


def _code(body: bytes) -> str:
    try:
        return json.loads(body).get("code", "")
    except ValueError:
        return ""


class Pictures:
    """Pictures from the run's random generator, and the sha256 of their clean re-encoding,
    made here as the api makes it: what a meme's picture must be, byte for byte."""

    def __init__(self, rng: random.Random, scratch: Path) -> None:
        self.rng = rng
        self.scratch = scratch
        self.made: list[tuple[bytes, str]] = []

    async def next(self) -> tuple[bytes, str]:
        if self.made and self.rng.random() < 0.2:  # a picture another meme has
            return self.rng.choice(self.made)
        width, height = self.rng.randint(32, 160), self.rng.randint(32, 120)
        image = Image.frombytes("RGB", (width, height), self.rng.randbytes(width * height * 3))
        out = io.BytesIO()
        if self.rng.random() < 0.5:
            image.save(out, "PNG")
        else:
            image.save(out, "JPEG", quality=self.rng.randint(60, 95))
        data = out.getvalue()
        made = (data, await asyncio.to_thread(self._clean_sha256, data))
        self.made.append(made)
        return made

    def _clean_sha256(self, data: bytes) -> str:
        with tempfile.TemporaryDirectory(dir=self.scratch) as where:
            source, target = Path(where) / "in", Path(where) / "out"
            source.write_bytes(data)
            return clean_image(source, target, ANY_SIZE).sha256


def form(title: str, description: str, image: bytes) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("title", title)
    data.add_field("description", description)
    data.add_field("image", image, filename="chaos", content_type="application/octet-stream")
    return data


def form_body(title: str, description: str, image: bytes) -> bytes:
    """A form's body as one block, to be sent slowly."""
    parts = [('name="title"', title.encode()), ('name="description"', description.encode()),
             ('name="image"; filename="chaos"\r\nContent-Type: image/png', image)]  # fmt: skip
    body = b"".join(
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; {head}\r\n\r\n".encode() + value + b"\r\n"
        for head, value in parts
    )
    return body + f"--{BOUNDARY}--\r\n".encode()


async def paced(body: bytes, rate: int):
    """The body, `rate` bytes a second."""
    for offset in range(0, len(body), rate // 10):
        yield body[offset : offset + rate // 10]
        await asyncio.sleep(0.1)


async def pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


def session(base: str) -> aiohttp.ClientSession:
    """A client of its own: a new connection each request (as many clients are), so that a
    connection the api's restart closed is never reused as if it were a new answer's."""
    return aiohttp.ClientSession(
        base, timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT),
        connector=aiohttp.TCPConnector(force_close=True),
    )  # fmt: skip
