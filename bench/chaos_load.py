"""What the clients of a chaos run do, each in a loop until the run stops (bench/chaos.py)."""

import asyncio
import hashlib
import json
import random
import uuid

import aiohttp

from bench.chaos_clients import (
    BOUNDARY,
    GONE,
    WORDS,
    Answer,
    Create,
    Ledger,
    Meme,
    Pictures,
    State,
    form,
    form_body,
    paced,
    pause,
    session,
)  # fmt: skip

TRICKLE_RATE = 16 * 1024  # bytes a second: a phone on a bad line
EXPORT_CHUNK = 64 * 1024
ERROR_READ_BACK_SECONDS = 10.0  # a fault ends within this, mostly


class Writer:
    """Creates, replaces and deletes memes of its own, and reads each success back."""

    def __init__(self, ledger: Ledger, api: str, rng: random.Random, pictures: Pictures,
                 name: str) -> None:  # fmt: skip
        self.ledger, self.api, self.rng, self.pictures = ledger, api, rng, pictures
        self.name = name
        self.mine: list[Meme] = []
        self.count = 0

    async def run(self, stop: asyncio.Event) -> None:
        async with session(self.api) as http:
            while not stop.is_set():
                alive = [m for m in self.mine if m.settled and m.settled.sha256]
                action = self.rng.choices(("create", "put", "delete"), (5, 3, 2))[0]
                if action == "create" or not alive:
                    await self.create(http)
                elif action == "put":
                    await self.put(http, self.rng.choice(alive))
                else:
                    await self.delete(http, self.rng.choice(alive))
                await pause(stop, self.rng.uniform(0, 0.4))

    def words(self) -> tuple[str, str]:
        self.count += 1
        return f"chaos {self.name} #{self.count}", " ".join(self.rng.sample(WORDS, 3))

    async def create(self, http: aiohttp.ClientSession, trickle: bool = False) -> None:
        title, description = self.words()
        image, sha256 = await self.pictures.next()
        key = str(uuid.UUID(int=self.rng.getrandbits(128)))
        headers = {"Idempotency-Key": key}
        if trickle:
            headers["Content-Type"] = f"multipart/form-data; boundary={BOUNDARY}"
            data = paced(form_body(title, description, image), TRICKLE_RATE)
        else:
            data = form(title, description, image)
        kind = "trickle upload" if trickle else "create"
        status, body, _ = await self.ledger.call(
            http, kind, "POST", "/memes", data=data, headers=headers
        )
        if status == 201:
            made = json.loads(body)
            meme = Meme(made["id"], made["edit_token"], {State(title, sha256)}, ["POST 201"])
            self.ledger.memes[meme.id] = meme
            self.mine.append(meme)
            if made["sha256"] != sha256:
                self.ledger.untrue_answer(
                    f"POST /memes 201 says meme {meme.id}'s picture is {made['sha256'][:12]},"
                    f" its clean re-encoding is {sha256[:12]}"
                )
            await self.read_back(http, meme, "POST 201")
        elif status is None:
            self.ledger.unanswered_creates.append(Create(title, key, sha256, "no answer"))
        else:
            self.ledger.failed_creates.append(Create(title, key, sha256, str(status)))

    async def put(self, http: aiohttp.ClientSession, meme: Meme) -> None:
        title, description = self.words()
        image, sha256 = await self.pictures.next()
        status, _, _ = await self.ledger.call(
            http, "put", "PUT", f"/memes/{meme.id}", data=form(title, description, image),
            headers={"Authorization": f"Bearer {meme.token}"},
        )  # fmt: skip
        before, what = meme.settled, f"PUT {status or 'no answer'}"
        self.changed(meme, what, status == 200, status, State(title, sha256))
        if status == 200:
            await self.read_back(http, meme, "PUT 200", before)
        elif status is not None:
            await self.unchanged(http, meme, before, what)

    async def delete(self, http: aiohttp.ClientSession, meme: Meme) -> None:
        status, _, _ = await self.ledger.call(
            http, "delete", "DELETE", f"/memes/{meme.id}",
            headers={"Authorization": f"Bearer {meme.token}"},
        )  # fmt: skip
        before = meme.settled
        self.changed(meme, f"DELETE {status or 'no answer'}", status == 204, status, GONE)
        if status == 204:
            await self.read_back(http, meme, "DELETE 204", before)
        elif status is not None:
            await self.unchanged(http, meme, before, f"DELETE {status}")

    def changed(self, meme: Meme, what: str, done: bool, status: int | None, new: State) -> None:
        """An answered success is the meme's one state; an answered error leaves the state as
        it was; no answer leaves it either way."""
        meme.history.append(what)
        if done:
            meme.states = {new}
        elif status is None:
            meme.states = meme.states | {new}

    async def unchanged(
        self, http: aiohttp.ClientSession, meme: Meme, before: State, after: str
    ) -> None:
        """A write answered with an error changed nothing: the meme reads as it was. Only this
        writer changes it, so a read now tells; asked again while the answer is 503."""
        deadline = self.ledger.now() + ERROR_READ_BACK_SECONDS
        while self.ledger.now() < deadline:
            status, body, _ = await self.ledger.call(http, "read-back", "GET", f"/memes/{meme.id}")
            if status in (200, 404):
                break
            await asyncio.sleep(0.5)
        else:
            return  # unknown: the check at the end reads it again
        self.ledger.errors_read_back += 1
        found = json.loads(body) if status == 200 else None
        now = State(found["title"], found["sha256"]) if found else GONE
        if now != before:
            shown = "gone" if now is GONE else f"{now.title!r} {now.sha256[:12]}"
            self.ledger.changed_by_errors.append(
                f"+{self.ledger.now():.1f} s meme {meme.id} answered {after}, and it is {shown}"
            )
            meme.states = {before, now}  # reported once: left alone from now on

    async def read_back(
        self, http: aiohttp.ClientSession, meme: Meme, after: str, before: State | None = None
    ) -> None:
        """The api serves what it has just written: the new picture, or 404 once deleted."""
        state = meme.settled
        status, body, _ = await self.ledger.call(
            http, "read-back", "GET", f"/memes/{meme.id}/image"
        )
        if status == 503 or status is None:
            return
        if state.sha256 is None and status != 404:
            self.ledger.untrue_answer(
                f"GET /memes/{meme.id}/image right after {after}: {status}"
                f" ({hashlib.sha256(body).hexdigest()[:12]}), not 404"
            )
        elif state.sha256 and status != 200:
            self.ledger.untrue_answer(f"GET /memes/{meme.id}/image right after {after}: {status}")
        elif state.sha256 and (got := hashlib.sha256(body).hexdigest()) != state.sha256:
            old = " (the one it replaced)" if before and got == before.sha256 else ""
            self.ledger.untrue_answer(
                f"GET /memes/{meme.id}/image right after {after}: {got[:12]}{old}, not the"
                f" picture just sent, {state.sha256[:12]}"
            )


async def reader(ledger: Ledger, api: str, rng: random.Random, stop: asyncio.Event) -> None:
    """Lists, gets and downloads; a picture must be the bytes its ETag names."""
    async with session(api) as http:
        while not stop.is_set():
            ids = list(ledger.memes) or [1]
            meme_id = rng.choice(ids)
            action = rng.choices(("list", "get", "picture"), (2, 3, 3))[0]
            if action == "list":
                query = rng.choice(["", "?limit=50", "?q=chaos", "?sort=title&limit=5"])
                await ledger.call(http, "list", "GET", f"/memes{query}")
            elif action == "get":
                await ledger.call(http, "get", "GET", f"/memes/{meme_id}")
            else:
                size = rng.choice(["", "", "?size=thumb"])
                url = f"/memes/{meme_id}/image{size}"
                status, body, headers = await ledger.call(http, "picture", "GET", url)
                etag = headers.get("ETag", "").strip('"')
                if status == 200 and etag and hashlib.sha256(body).hexdigest() != etag:
                    ledger.untrue_answer(f"GET {url}: the bytes are not those its ETag names")
            await pause(stop, rng.uniform(0, 0.2))


async def exporter(ledger: Ledger, api: str, rng: random.Random, stop: asyncio.Event) -> None:
    """Reads the whole export, over and over."""
    async with session(api) as http:
        while not stop.is_set():
            await ledger.call(http, "export", "GET", "/memes/export")
            await pause(stop, rng.uniform(0.5, 3))


async def slow_client(
    ledger: Ledger, api: str, rng: random.Random, writer: Writer, stop: asyncio.Event
) -> None:
    """Stalls in an export after its first bytes, reads one at a trickle, or trickles an
    upload; then closes the connection, as a phone leaving a tunnel does."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    async with aiohttp.ClientSession(api, timeout=timeout) as http:
        while not stop.is_set():
            action = rng.choice(("stalled export", "slow export", "trickle upload"))
            if action == "trickle upload":
                await writer.create(http, trickle=True)
            else:
                await slow_export(ledger, http, rng, action, stop)
            await pause(stop, rng.uniform(0, 2))


async def slow_export(
    ledger: Ledger, http: aiohttp.ClientSession, rng: random.Random, kind: str,
    stop: asyncio.Event,
) -> None:  # fmt: skip
    started = ledger.now()
    status, detail = None, ""
    try:
        async with http.get("/memes/export") as response:
            status = response.status
            await response.content.read(EXPORT_CHUNK)
            if kind == "stalled export":
                await pause(stop, rng.uniform(5, 20))
            else:
                deadline = ledger.now() + rng.uniform(5, 20)
                while ledger.now() < deadline and not stop.is_set():
                    if not await response.content.read(8 * 1024):
                        break
                    await asyncio.sleep(0.1)
            response.close()  # gone without reading the rest
    except (aiohttp.ClientError, TimeoutError) as exc:
        detail = type(exc).__name__
    seconds = ledger.now() - started
    ledger.answers.append(Answer(kind, "GET /memes/export", started, seconds, status, detail))
