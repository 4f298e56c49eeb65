"""The memes of a chaos run, read once its load has stopped: each held to the rule of its last
write's answer, and the creates answered with an error or with none looked up in PostgreSQL."""

import asyncio
import hashlib
import json
import time
from collections import Counter

import aiohttp

from bench.chaos_checks import Check, query
from bench.chaos_clients import GONE, Ledger, Meme, State, session

# After the load, before the checks: PICTURE_ROW_SECONDS (1 s) and a margin, so that the rows a
# process read before the last writes have expired (serving them right after the write is
# the read-back check's matter; the end checks that nothing was lost).
AFTER_LOAD_SECONDS = 2.0
VERIFY_SECONDS = 60.0  # for the final reads, while a service the run restarted comes back


async def observed(
    http: aiohttp.ClientSession, meme_id: int, deadline: float
) -> tuple[State | None, str]:
    """The meme as the api serves it now (its picture downloaded and hashed); None when the
    api would not say by the deadline."""
    while time.monotonic() < deadline:
        try:
            async with http.get(f"/memes/{meme_id}") as response:
                body = await response.read()
                if response.status == 404:
                    return GONE, ""
                if response.status == 200:
                    meme = json.loads(body)
                    async with http.get(f"/memes/{meme_id}/image") as picture:
                        data = await picture.read()
                        if picture.status == 200:
                            got = hashlib.sha256(data).hexdigest()
                            note = (
                                "" if got == meme["sha256"]
                                else f"its download is {got[:12]}, not its sha256"
                            )  # fmt: skip
                            return State(meme["title"], meme["sha256"]), note
                        if picture.status == 404:
                            return State(meme["title"], meme["sha256"]), "its picture is 404"
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.5)
    return None, "no answer but 503 or none"


def describe(state: State) -> str:
    return "gone" if state.sha256 is None else f"{state.title!r} {state.sha256[:12]}"


async def memes_as_answered(ledger: Ledger, api: str) -> list[Check]:
    """Each meme the writers made, read now: held to the rule of its last write's answer."""
    checks = {
        "answered": Check(
            "every meme answered 201/200 and not deleted has its picture, byte-exact"
        ),
        "deleted": Check("every meme answered 204 is gone"),
        "error": Check("every write answered with an error left its meme as it was"),
        "unanswered": Check("every write with no answer left its meme one way or the other"),
    }
    counts: Counter[str] = Counter()
    gate = asyncio.Semaphore(8)

    async def read(meme: Meme) -> tuple[State | None, str]:
        async with gate:
            return await observed(http, meme.id, deadline)

    deadline = time.monotonic() + VERIFY_SECONDS

    async with session(api) as http:
        found = await asyncio.gather(*(read(meme) for meme in ledger.memes.values()))
    for meme, (state, note) in zip(ledger.memes.values(), found):
        rule = _rule(meme)
        counts[rule] += 1
        if state is None or note or state not in meme.states:
            what = note if state is None or note else f"it is {describe(state)}"
            expected = " or ".join(map(describe, meme.states))
            checks[rule].failures.append(
                f"meme {meme.id} ({' → '.join(meme.history)}): {what}; expected {expected}"
            )
    for rule, check in checks.items():
        check.notes.append(f"{counts[rule]} memes held to it at the end")
    checks["error"].failures += ledger.changed_by_errors
    checks["error"].notes.append(
        f"{ledger.errors_read_back} PUT and DELETE answered with an error, read back at once"
    )
    return list(checks.values())


def _rule(meme: Meme) -> str:
    last = meme.history[-1]
    if len(meme.states) > 1:
        return "unanswered"
    if last.endswith(("201", "200")):
        return "answered"
    return "deleted" if last == "DELETE 204" else "error"


def creates(ledger: Ledger, database_url: str, errors: Check, unanswered: Check) -> None:
    """A create answered with an error made no meme and kept no key; one with no answer made
    at most one, whose picture is the clean re-encoding of what was sent."""
    failed = {create.title: create for create in ledger.failed_creates}
    for (title,) in query(
        database_url, "SELECT title FROM memes WHERE title = ANY(%s)", (list(failed),)
    ):
        errors.failures.append(f"POST {title!r} answered {failed[title].outcome}, made a meme")
    keys = {create.key: create for create in ledger.failed_creates}
    for (key,) in query(
        database_url, "SELECT key FROM idempotency_keys WHERE key = ANY(%s)", (list(keys),)
    ):
        errors.failures.append(
            f"POST {keys[key].title!r} answered {keys[key].outcome}, kept its Idempotency-Key"
        )
    errors.notes.append(f"{len(failed)} creates answered with an error")
    doubtful = {create.title: create for create in ledger.unanswered_creates}
    made = Counter()
    for title, sha256 in query(
        database_url, "SELECT title, image_sha256 FROM memes WHERE title = ANY(%s)",
        (list(doubtful),),
    ):  # fmt: skip
        made[title] += 1
        if sha256 != doubtful[title].sha256:
            unanswered.failures.append(f"POST {title!r} (no answer) made a meme of another picture")
    unanswered.failures += [
        f"POST {t!r} (no answer) made {n} memes" for t, n in made.items() if n > 1
    ]
    unanswered.notes.append(f"{len(doubtful)} creates with no answer: {len(made)} made their meme")
