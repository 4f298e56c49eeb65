"""The `memes` command, run as its installed console script against the api on a real socket
(the api talking HTTP to media on the disk store): what it prints, what it leaves in the
database and on the disk, and its exit codes."""

import asyncio
import hashlib
import json
import os
import stat
import subprocess

import pytest

from tests.cli_shell import MEMES, Shell
from tests.doc_pages import PAGES, README, memes_lines, name
from tests.helpers import query
from tests.pictures import picture
from tests.processes import free_port

pytestmark = pytest.mark.slow


async def test_post_list_show_get_edit_export_rm(memes: Shell, database_url):
    (memes.cwd / "boyfriend.png").write_bytes(png := picture("PNG", (64, 48), "crimson"))
    (memes.cwd / "fine.jpg").write_bytes(picture("JPEG", (40, 30), "orange"))
    (memes.cwd / "new.png").write_bytes(new_png := picture("PNG", (20, 20), "teal"))

    first = await memes.json(
        "post", "boyfriend.png", "--title", "Distracted boyfriend",
        "--description", "He looks at the new framework", "--tag", "classic", "--tag", "work",
    )  # fmt: skip
    second = await memes.json(
        "post", "fine.jpg", "-t", "This is fine", "--tag", "dogs,classic", "--sensitive"
    )
    assert (first["sensitive"], second["sensitive"]) == (False, True)
    assert "edit_token" not in first  # kept, not printed
    assert query(database_url, "SELECT id, title FROM memes ORDER BY id") == [
        (first["id"], "Distracted boyfriend"),
        (second["id"], "This is fine"),
    ]
    token_file = memes.cwd / "config" / "tokens.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    kept = memes.tokens()[memes.env["MEMES_URL"]]
    assert set(kept) == {str(first["id"]), str(second["id"])}

    listed = await memes.json("ls")
    assert [m["title"] for m in listed] == ["This is fine", "Distracted boyfriend"]
    table = await memes.ok("ls", "--tag", "work")
    assert "Distracted boyfriend" in table and "This is fine" not in table
    paged = (await memes.ok("ls", "--limit", "1", "--all", "--ndjson")).splitlines()
    assert [json.loads(line)["id"] for line in paged] == [second["id"], first["id"]]
    assert await memes.json("ls", "-q", "distrac", "--sort", "title") == [first]
    assert await memes.json("show", str(first["id"])) == first
    assert "64×48 png" in await memes.ok("show", str(first["id"]))
    assert await memes.json("tags") == [
        {"name": "classic", "memes": 2}, {"name": "dogs", "memes": 1}, {"name": "work", "memes": 1}
    ]  # fmt: skip

    # The bytes downloaded are the stored picture: their sha256 is the blob's key.
    done = await memes("get", str(first["id"]), "-o", "got.png")
    assert done.returncode == 0 and done.stderr.strip() == "got.png: downloaded"
    got = (memes.cwd / "got.png").read_bytes()
    stored = query(database_url, "SELECT image_sha256 FROM memes WHERE id = %s", (first["id"],))
    assert hashlib.sha256(got).hexdigest() == stored[0][0] == first["sha256"] and got == png
    assert not (memes.cwd / "got.png.etag").exists()
    await memes.ok("get", str(first["id"]), "--size", "thumb")
    assert (memes.cwd / f"{first['id']}-thumb.webp").read_bytes().startswith(b"RIFF")

    # An interrupted download (its ETag beside it) is resumed from where it stopped, and checked.
    (memes.cwd / "partial.png").write_bytes(png[:100])
    (memes.cwd / "partial.png.etag").write_text(f'"{first["sha256"]}"\n')
    done = await memes("get", str(first["id"]), "-o", "partial.png")
    assert done.stderr.strip() == "partial.png: resumed at byte 100", done.stderr
    assert (memes.cwd / "partial.png").read_bytes() == png
    # A download of ours that is not a start of this picture is fetched again whole.
    (memes.cwd / "wrong.png").write_bytes(b"x" * 100)
    (memes.cwd / "wrong.png.etag").write_text(f'"{first["sha256"]}"\n')
    done = await memes("get", str(first["id"]), "-o", "wrong.png")
    assert done.stderr.strip() == "wrong.png: downloaded"
    assert (memes.cwd / "wrong.png").read_bytes() == png
    done = await memes("get", str(first["id"]), "-o", "got.png")
    assert done.stderr.strip() == "got.png: already complete"

    edited = await memes.json("edit", str(first["id"]), "--title", "Distracted developer",
                              "--tag", "work", "--description", "")  # fmt: skip
    assert (edited["title"], edited["tags"], edited["description"]) == (
        "Distracted developer", ["work"], ""
    )  # fmt: skip
    edited = await memes.json("edit", str(first["id"]), "--image", "new.png")
    assert edited["sha256"] == hashlib.sha256(new_png).hexdigest()
    assert edited["title"] == "Distracted developer"  # a new picture changes nothing else
    assert query(database_url, "SELECT title, image_sha256 FROM memes WHERE id = %s",
                 (first["id"],)) == [("Distracted developer", edited["sha256"])]  # fmt: skip

    done = await memes("export", "-o", "memes.ndjson")
    assert done.returncode == 0 and done.stderr.strip() == "exported 2 memes"
    exported = [json.loads(line) for line in (memes.cwd / "memes.ndjson").read_text().splitlines()]
    assert [m["id"] for m in exported] == [second["id"], first["id"]]
    assert (await memes.ok("export", "--tag", "dogs")).count("\n") == 1

    await memes.ok("rm", str(first["id"]), "--yes")
    assert query(database_url, "SELECT id FROM memes") == [(second["id"],)]
    assert str(first["id"]) not in memes.tokens()[memes.env["MEMES_URL"]]
    # Again: the meme is gone (its token with it), and that is what the command says.
    done = await memes("rm", str(first["id"]), "--yes")
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr == f"Not Found: No meme has id {first['id']}\n", done.stderr


async def test_exit_codes_and_one_line_errors(memes: Shell, database_url):
    (memes.cwd / "cat.png").write_bytes(picture())
    meme = await memes.json("post", "cat.png", "--title", "Grumpy cat")

    for args in (["show", "999"], ["get", "999"]):
        done = await memes(*args)
        assert (done.returncode, done.stdout) == (3, ""), args
        assert done.stderr == "Not Found: No meme has id 999\n", done.stderr
    done = await memes("rm", "999", "-y", "--token", "t")  # a meme not there, whatever token
    assert (done.returncode, done.stdout, done.stderr) == (3, "", "Not Found: No meme has id 999\n")

    done = await memes("rm", str(meme["id"]), "-y", "--token", "not-the-token")
    assert done.returncode == 4 and done.stderr.startswith("Forbidden: "), done.stderr
    (memes.cwd / "config" / "tokens.json").unlink()
    done = await memes("edit", str(meme["id"]), "--title", "Happy cat")
    assert done.returncode == 4
    assert done.stderr == f"Unauthorized: no edit token kept for meme {meme['id']}: pass --token\n"
    assert query(database_url, "SELECT title FROM memes") == [("Grumpy cat",)]

    done = await memes("post", "cat.png", "--title", "   ")
    assert done.returncode == 1 and done.stderr.startswith("Unprocessable Entity: title: ")
    assert len(done.stderr.splitlines()) == 1

    down = f"http://127.0.0.1:{free_port()}"
    for args in (["ls"], ["show", "1"], ["post", "cat.png", "-t", "x"]):
        done = await memes(*args, url=down)
        assert done.returncode == 5, (args, done.stderr)
        assert done.stderr.startswith(f"Unavailable: cannot reach the api at {down} ("), args
        assert len(done.stderr.splitlines()) == 1

    assert (await memes("get")).returncode == 2  # usage: no ID
    assert (await memes("edit", "1")).returncode == 2  # nothing to change


async def test_an_unreadable_token_file_is_one_line_before_anything_changes(memes, database_url):
    (memes.cwd / "cat.png").write_bytes(picture())
    meme_id = str((await memes.json("post", "cat.png", "--title", "Grumpy cat"))["id"])
    token = memes.tokens()[memes.env["MEMES_URL"]][meme_id]
    token_file = memes.cwd / "config" / "tokens.json"
    for content, reason, args in [
        ("{not json", "Expecting property name enclosed in double quotes: line 1 column 2"
         " (char 1)", ["edit", meme_id, "--title", "Happy cat"]),
        ('["a list"]', "not an object of {api url: {meme id: token}}", ["rm", meme_id, "--yes"]),
        ("\udcff", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
         ["post", "cat.png", "--title", "Another cat"]),
    ]:  # fmt: skip
        token_file.write_text(content, errors="surrogateescape")
        done = await memes(*args)
        assert (done.returncode, done.stdout) == (1, ""), (args, done.stderr)
        expected = f"Unreadable token file: {token_file}: {reason}; repair or remove it\n"
        assert done.stderr == expected, args
    # The upload and the delete were not sent: no meme whose token could not be kept.
    assert query(database_url, "SELECT title FROM memes") == [("Grumpy cat",)]
    # A token given on the command line needs no file to edit with.
    edited = await memes.json("edit", meme_id, "--title", "Happy cat", "--token", token)
    assert edited["title"] == "Happy cat"


async def test_every_command_has_an_example_in_its_help(memes: Shell):
    top = await memes.ok("--help")
    for code in range(6):
        assert f"\n    {code}  " in top  # the exit codes, for scripts
    for command in ("post", "ls", "show", "tags", "get", "edit", "rm", "export"):
        assert f"\n  {command} " in top
        assert "Examples:\n    memes " + command in await memes.ok(command, "--help"), command


@pytest.mark.parametrize("page", [page for page in PAGES if memes_lines(page)], ids=name)
async def test_the_examples_of_a_page_work_in_order(page, memes: Shell, database_url):
    (memes.cwd / "meme.jpg").write_bytes(picture("JPEG", (64, 48), "navy"))
    (memes.cwd / "boyfriend.jpg").write_bytes(picture("JPEG", (64, 48), "navy"))
    (memes.cwd / "new.png").write_bytes(picture("PNG", (32, 32), "gold"))
    for line in memes_lines(page):
        # The page's words, run by bash as a user would type them.
        process = await asyncio.create_subprocess_exec(
            "bash", "-c", f"set -euo pipefail; {line}", cwd=memes.cwd,
            env=memes.env | {"PATH": f"{MEMES.parent}{os.pathsep}{os.environ['PATH']}"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, (line, stdout, stderr)
    if page == README:
        assert query(database_url, "SELECT count(*) FROM memes") == [(1,)]
        return
    assert len(memes_lines(page)) >= 10
    # A JPEG as the api stored it (`get` checked it against its sha256).
    assert (memes.cwd / "boyfriend-copy.jpg").read_bytes().startswith(b"\xff\xd8")
    assert len((memes.cwd / "work.ndjson").read_text().splitlines()) == 1
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]
