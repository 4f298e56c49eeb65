"""Pictures up and down with a progress bar (Rich), and downloads that resume: a partial file
is continued with `Range` and `If-Range`, the validator kept beside it in `FILE.etag` (which
also marks it as ours to overwrite), and every finished file is checked against the ETag, its
sha256."""

import hashlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from memes_cli.client import Api, Failure
from memes_cli.render import err

CHUNK = 64 * 1024
BIG = 512 * 1024  # smaller transfers end before a bar would be read


@contextmanager
def progress_bar(size: int | None) -> Iterator[Progress]:
    """A bar on stderr for big transfers, none when stderr is not a terminal."""
    shown = err.is_terminal and (size is None or size >= BIG)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True, disable=not shown) as progress:
        yield progress


class CountingReader:
    """A file that moves a progress bar as httpx reads it for the multipart body."""

    def __init__(self, file: BinaryIO, progress: Progress, task: TaskID):
        self.file, self.progress, self.task = file, progress, task

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.progress.advance(self.task, len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self.file.seek(offset, whence)
        if whence == 0:  # httpx rewinds before sending the body
            self.progress.update(self.task, completed=position)
        return position

    def tell(self) -> int:
        return self.file.tell()

    def fileno(self) -> int:
        return self.file.fileno()  # httpx finds the length from it


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def etag_file(output: Path) -> Path:
    return output.with_name(output.name + ".etag")


def picture_path(meme: dict, size: str) -> str:
    return f"/memes/{meme['id']}/image" + ("" if size == "original" else f"?size={size}")


def download_to_stdout(api: Api, meme: dict, size: str) -> None:
    with api.stream("GET", picture_path(meme, size)) as response:
        for chunk in response.iter_bytes(CHUNK):
            sys.stdout.buffer.write(chunk)
    sys.stdout.buffer.flush()


def download(api: Api, meme: dict, size: str, output: Path, force: bool = False) -> str:
    """Fetch the picture into `output`, resuming a partial one of ours (FILE.etag beside it);
    returns what was done. Another file there is the user's: left alone, unless `force`."""
    kept = etag_file(output)
    if output.exists() and not kept.exists():
        if _is_picture(api, meme, size, output):
            return "already complete"
        if not force:
            raise Failure("Not overwritten", f"{output} is there and is not this picture"
                          " (--force overwrites it)")  # fmt: skip
    elif output.exists():
        have, validator = output.stat().st_size, kept.read_text().strip()
        if have and validator and (done := _fetch(api, meme, size, output, kept, have, validator)):
            return done
    return _fetch(api, meme, size, output, kept, 0, None) or "downloaded"


def _is_picture(api: Api, meme: dict, size: str, output: Path) -> bool:
    """Whether `output` holds the picture already: the api answers 304 to its sha256."""
    headers = {"If-None-Match": f'"{sha256_of(output)}"'}
    with api.stream("GET", picture_path(meme, size), headers=headers) as response:
        return response.status_code == 304


def _fetch(
    api: Api, meme: dict, size: str, output: Path, kept: Path, start: int, validator: str | None
) -> str | None:
    """One GET; None when a resume turned out wrong and the file must be fetched whole."""
    headers = {"Range": f"bytes={start}-", "If-Range": validator} if start else {}
    with api.stream("GET", picture_path(meme, size), headers=headers) as response:
        etag = response.headers.get("ETag", "")
        if response.status_code == 416:  # nothing past what we have: complete, or not ours
            return "already complete" if _verified(output, validator) else None
        if response.status_code == 206 and etag != validator:
            return None  # an api that ignores If-Range sent part of another picture
        resumed = response.status_code == 206
        kept.write_text(etag + "\n")
        total = int(response.headers.get("Content-Length", 0)) + (start if resumed else 0)
        with progress_bar(total) as progress, output.open("ab" if resumed else "wb") as file:
            task = progress.add_task(f"meme {meme['id']}", total=total, completed=file.tell())
            for chunk in response.iter_bytes(CHUNK):
                file.write(chunk)
                progress.advance(task, len(chunk))
    if _verified(output, etag):
        kept.unlink(missing_ok=True)
        return f"resumed at byte {start}" if resumed else "downloaded"
    if resumed:
        return None
    raise Failure("Download failed", f"the sha256 of {output} is not the picture's ETag {etag}")


def _verified(output: Path, etag: str | None) -> bool:
    return bool(etag) and sha256_of(output) == etag.removeprefix("W/").strip('"')


@contextmanager
def counter(text: str) -> Iterator[Callable[[int], None]]:
    """A running count on stderr (a terminal only): `text` with `{count}` in it."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True,
        disable=not err.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task(text.format(count=0), total=None)

        def count(n: int) -> None:
            if n % 100 == 0:  # redrawn ten times a second anyway
                progress.update(task, description=text.format(count=n))

        yield count
