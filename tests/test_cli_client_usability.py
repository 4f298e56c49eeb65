"""The `memes` command as a new user meets it (issue 22): it asks before deleting, keeps the
user's files, reads addresses as httpie does, says when there is more, names gone memes, shows
links in full and fits an 80-column terminal. Run as the installed console script against the
api on a real socket, read as a user reads it."""

import asyncio
import json
import re

import httpx
import pytest
from rich.cells import cell_len

from tests.cli_shell import Shell
from tests.helpers import query
from tests.pictures import picture

pytestmark = pytest.mark.slow


async def post(memes: Shell, title: str, *args: str, color: str = "teal") -> dict:
    (memes.cwd / "upload.png").write_bytes(picture("PNG", (64, 48), color))
    return await memes.json("post", "upload.png", "--title", title, *args)


def ids(database_url) -> list[int]:
    return [row[0] for row in query(database_url, "SELECT id FROM memes ORDER BY id")]


async def test_rm_asks_before_deleting(memes: Shell, database_url):
    cat = await post(memes, 'Grumpy "cat"')
    dog = await post(memes, "Doge", color="gold")

    # No terminal to ask on (a script, cron): a usage error at once, nothing deleted.
    done = await memes("rm", str(cat["id"]))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines()[-1] == (
        f"Error: no terminal to ask on: pass --yes to delete meme {cat['id']}"
    )
    # On a terminal it asks, with the title; no (or just Enter) keeps the meme.
    for answer in ("n\n", "\n"):
        done = await memes("rm", str(cat["id"]), typed=answer)
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith(f'Delete meme {cat["id"]} "Grumpy \\"cat\\""? [y/N] ')
        assert "deleted" not in done.stderr
    assert ids(database_url) == [cat["id"], dog["id"]]
    done = await memes("rm", str(cat["id"]), typed="y\n")
    assert done.returncode == 0 and done.stderr.endswith(f"deleted meme {cat['id']}\n")
    assert ids(database_url) == [dog["id"]]
    # --yes (or -y) does not ask.
    done = await memes("rm", str(dog["id"]), "-y")
    assert (done.returncode, done.stderr) == (0, f"deleted meme {dog['id']}\n")
    assert ids(database_url) == []


async def test_get_keeps_a_file_that_is_not_its_own(memes: Shell):
    meme = await post(memes, "Grumpy cat")
    png = (memes.cwd / "upload.png").read_bytes()
    mine = memes.cwd / "holiday.png"
    mine.write_bytes(b"my own picture, not a meme")

    done = await memes("get", str(meme["id"]), "-o", "holiday.png")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "Not overwritten: holiday.png is there and is not this picture (--force overwrites it)\n"
    )
    assert mine.read_bytes() == b"my own picture, not a meme"
    assert not (memes.cwd / "holiday.png.etag").exists()
    # The same without -o, into the default name.
    (memes.cwd / f"{meme['id']}.png").write_bytes(b"x" * 10)
    assert (await memes("get", str(meme["id"]))).returncode == 1
    assert (memes.cwd / f"{meme['id']}.png").read_bytes() == b"x" * 10

    done = await memes("get", str(meme["id"]), "-o", "holiday.png", "--force")
    assert (done.returncode, done.stderr) == (0, "holiday.png: downloaded\n")
    assert mine.read_bytes() == png
    # The picture itself is no stranger: nothing to do, with or without the .etag.
    done = await memes("get", str(meme["id"]), "-o", "holiday.png")
    assert (done.returncode, done.stderr) == (0, "holiday.png: already complete\n")
    await memes.ok("get", str(meme["id"]), "--size", "thumb", "-o", "thumb.webp")
    done = await memes("get", str(meme["id"]), "--size", "thumb", "-o", "thumb.webp")
    assert (done.returncode, done.stderr) == (0, "thumb.webp: already complete\n")

    # A partial download of its own (the .etag beside it) is resumed.
    (memes.cwd / "partial.png").write_bytes(png[:100])
    (memes.cwd / "partial.png.etag").write_text(f'"{meme["sha256"]}"\n')
    done = await memes("get", str(meme["id"]), "-o", "partial.png")
    assert (done.returncode, done.stderr) == (0, "partial.png: resumed at byte 100\n")
    assert (memes.cwd / "partial.png").read_bytes() == png
    assert not (memes.cwd / "partial.png.etag").exists()


async def test_an_address_without_a_scheme_is_read_as_httpie_reads_it(memes: Shell):
    full = memes.env["MEMES_URL"]
    port = full.rsplit(":", 1)[1]
    (memes.cwd / "cat.png").write_bytes(picture())
    for short in (f"127.0.0.1:{port}", f"127.0.0.1:{port}/", f":{port}", f"localhost:{port}"):
        done = await memes("ls", "--json", url=short)
        assert (done.returncode, done.stderr) == (0, ""), (short, done.stderr)
    done = await memes("post", "cat.png", "-t", "Grumpy cat", url=f"127.0.0.1:{port}")
    assert done.returncode == 0, done.stderr
    # The token is kept under the address in full: `--url http://...` finds it.
    assert list(memes.tokens()) == [full]
    done = await memes("--url", full, "rm", "1", "--yes")
    assert (done.returncode, done.stderr) == (0, "deleted meme 1\n")

    for wrong in ("ftp://127.0.0.1", "http://", "http:///memes"):
        done = await memes("ls", url=wrong)
        assert (done.returncode, done.stdout) == (2, ""), wrong
        assert "Invalid value for '--url': " in done.stderr, (wrong, done.stderr)


async def test_ls_says_when_there_is_more(memes: Shell):
    for n in range(3):
        await post(memes, f"Meme {n}")
    done = await memes("ls", "--limit", "2")
    assert done.returncode == 0 and "Meme 2" in done.stdout and "Meme 0" not in done.stdout
    *_, last = done.stderr.splitlines()
    hint = re.fullmatch(r"2 shown of 3; more with --all or --cursor (\S+)", last)
    assert hint, done.stderr
    after = await memes("ls", "--limit", "2", "--cursor", hint[1], "--json")
    assert [m["title"] for m in json.loads(after.stdout)] == ["Meme 0"]
    assert after.stderr == ""  # the last page: nothing more to say
    done = await memes("ls", "--limit", "2", "--json")
    assert done.stderr == last + "\n"  # on stderr: stdout stays JSON
    assert (await memes("ls", "--limit", "2", "--all")).stderr == ""
    assert (await memes("ls")).stderr == ""


async def test_a_meme_that_is_gone_is_not_found(memes: Shell, database_url):
    meme = await post(memes, "Grumpy cat")
    token = memes.tokens()[memes.env["MEMES_URL"]][str(meme["id"])]
    await memes.ok("rm", str(meme["id"]), "--yes")  # and its token forgotten
    for args in (
        ["edit", str(meme["id"]), "-t", "Happy cat"],
        ["edit", str(meme["id"]), "--image", "upload.png"],
        ["rm", str(meme["id"]), "--yes"],
        ["rm", str(meme["id"]), "--yes", "--token", token],
        ["edit", str(meme["id"]), "-t", "Happy cat", "--token", token],
    ):
        done = await memes(*args)
        assert (done.returncode, done.stderr) == (3, f"Not Found: No meme has id {meme['id']}\n")
    # Asked on a terminal: not found before any question.
    done = await memes("rm", str(meme["id"]), typed="y\n")
    assert (done.returncode, done.stderr) == (3, f"Not Found: No meme has id {meme['id']}\n")


async def test_show_and_post_print_the_links_in_full(memes: Shell):
    url = memes.env["MEMES_URL"]
    (memes.cwd / "cat.png").write_bytes(png := picture("PNG", (64, 48), "crimson"))
    posted = await memes.ok("post", "cat.png", "--title", "Grumpy cat")
    shown = await memes.ok("show", "1")
    for printed in (posted, shown):
        rows = [line.split(None, 1) for line in printed.splitlines()]
        fields = {row[0]: row[1].strip() for row in rows if len(row) == 2}
        assert fields["page"] == f"{url}/m/1"
        assert fields["image"] == f"{url}/memes/1/image"
    # Both open as they are: the page, and the picture's very bytes (the api runs on this
    # loop: the requests go from a thread).
    page, image = [await asyncio.to_thread(httpx.get, fields[name]) for name in ("page", "image")]
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert image.content == png


async def test_an_80_column_table_keeps_each_size_on_one_line(memes: Shell):
    long = "Distracted boyfriend looks at the new framework while his girlfriend frowns at him"
    await post(memes, long, "--tag", "classic,work,programming,javascript,frameworks")
    await post(memes, "This is fine", "--tag", "dogs", color="orange")
    table = await memes("ls", env={"COLUMNS": "80"})
    lines = table.stdout.splitlines()
    assert table.returncode == 0 and len(lines) == 3, table.stdout  # the header and two memes
    assert all(cell_len(line) <= 80 for line in lines), table.stdout
    # Each meme on one line, its size whole; the long title and tags cut short.
    assert len(re.findall(r"64×48 png, [\d.]+ (?:bytes|kB)", table.stdout)) == 2, table.stdout
    assert "This is fine" in lines[1] and "dogs" in lines[1]
    assert lines[2].startswith("  1  Distracted boyfriend") and lines[2].count("…") == 2
