"""Reconcile: compare what PostgreSQL refers to with what the store holds, both ways.

- Pictures no meme uses (a process stopped between two transactions) are released.
- The store is listed in key order, a page at a time, beside the keys rows refer to in the
  same range (no connection is held while media lists): an object nothing refers to and older
  than the grace period (so never an upload in flight) has its deletion recorded in the outbox;
  a row whose object is missing is reported with its meme ids (a missing thumbnail's row is
  dropped, so the thumbnail is made again on request).
- Then every recorded deletion is carried out, due or not.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from api.db import blobs, holds_and_outbox
from api.db.sql import transaction
from api.domain.holds_and_outbox import carry_out_due, release_picture
from api.services import Services

log = logging.getLogger(__name__)
PAGE = 1000
PAST_EVERY_KEY = "g"  # sorts after every key of hex digits


@dataclass
class Report:
    dry_run: bool
    stored: int = 0  # objects in the store
    unused_pictures: int = 0  # picture rows no meme used, released
    deletions_done: int = 0  # recorded deletions media confirmed
    orphans: int = 0  # objects nothing refers to
    orphans_young: int = 0  # of those, within the grace period: left alone
    orphans_deleted: int = 0
    missing_pictures: dict[str, list[int]] = field(default_factory=dict)  # sha256: meme ids
    missing_thumbnails: int = 0
    deletions_pending: int = 0

    def summary(self) -> str:
        would = "would be " if self.dry_run else ""
        lines = [
            f"stored objects:              {self.stored}",
            f"unused pictures {would}released: {self.unused_pictures}",
            f"deletions carried out:       {self.deletions_done}",
            f"unreferenced objects:        {self.orphans}"
            f" ({self.orphans_young} within the grace period, kept)",
            f"unreferenced {would}deleted:     {self.orphans_deleted}",
            f"missing thumbnails {would}dropped: {self.missing_thumbnails}",
            f"deletions still pending:     {self.deletions_pending}",
            f"memes whose picture is missing: {sum(map(len, self.missing_pictures.values()))}",
        ]
        for sha256, ids in self.missing_pictures.items():
            lines.append(f"  picture {sha256} is missing: memes {', '.join(map(str, ids))}")
        return "\n".join(lines)


async def reconcile(services: Services, grace: timedelta, dry_run: bool = False) -> Report:
    report = Report(dry_run)
    unused = await blobs.unused_pictures(services.db)
    report.unused_pictures = len(unused)
    if not dry_run:
        for sha256 in unused:
            await release_picture(services, sha256)
    oldest_kept = datetime.now(UTC) - grace
    orphans: list[str] = []  # recorded for deletion, carried out below with the rest
    after = ""
    while True:
        page = await services.media.list_after(after, PAGE)
        upto = page[-1].key if len(page) == PAGE else PAST_EVERY_KEY
        referenced = await holds_and_outbox.referenced_keys(services.db, after, upto)
        report.stored += len(page)
        for stored in page:
            if stored.key in referenced:
                continue
            report.orphans += 1
            if datetime.fromisoformat(stored.stored_at) > oldest_kept:
                report.orphans_young += 1
            elif dry_run:
                report.orphans_deleted += 1
            elif await _record_orphan(services, stored.key):
                orphans.append(stored.key)
        for key in sorted(referenced - {stored.key for stored in page}):
            await _missing(services, key, report)
        if upto == PAST_EVERY_KEY:
            break
        after = upto
    if not dry_run:
        report.deletions_done = await _carry_out_every_deletion(services)
    pending = {row["key"] for row in await holds_and_outbox.pending_deletions(services.db)}
    report.orphans_deleted += len(set(orphans) - pending)
    report.deletions_pending = len(pending)
    return report


async def _record_orphan(services: Services, key: str) -> bool:
    """Record the deletion of an object nothing refers to, unless it gained a row meanwhile;
    True when its deletion is recorded (now or before)."""
    async with transaction(services.db) as cur:
        await holds_and_outbox.lock(cur, [key])
        await holds_and_outbox.release(cur, [key])
        return await holds_and_outbox.deletion_recorded(cur, key)


async def _carry_out_every_deletion(services: Services) -> int:
    """Every recorded deletion, now. One whose last attempt failed keeps its lease until that
    attempt's deadline has passed (media might still receive it): wait for those leases once
    (a few seconds at most), then try again, so that one pass leaves nothing behind."""
    done = await carry_out_due(services, now=True)
    if wait := await holds_and_outbox.seconds_to_last_lease(services.db):
        await asyncio.sleep(wait)
        done += await carry_out_due(services, now=True)
    return done


async def _missing(services: Services, key: str, report: Report) -> None:
    """A key rows refer to that the page did not list: stored since, or missing."""
    if await services.media.exists(key):
        return
    if ids := await blobs.memes_of_picture(services.db, key):
        report.missing_pictures[key] = ids
        log.error("picture %s is missing from the store; memes %s", key, ids)
    if not report.dry_run:
        report.missing_thumbnails += await blobs.forget_thumbnails(services.db, key)
