"""`memes report` and `memes mod ...`, run as the installed console script against the api on
a real socket (the shell is tests/test_cli_client.py's), with a moderator's token."""

import pytest

from api.app import create_app as create_api_app
from tests.helpers import api_settings_for, query
from tests.pictures import picture
from tests.test_cli_client import Shell

pytestmark = pytest.mark.slow

MODERATOR = "carols-moderator-token-0123"


@pytest.fixture
async def memes(aiohttp_server, media_server, database_url, tmp_path) -> Shell:
    settings = api_settings_for(
        database_url,
        str(media_server.make_url("")),
        tmp_path,
        moderator_tokens=f"carol:{MODERATOR}",
    )
    api = await aiohttp_server(create_api_app(settings))
    home = tmp_path / "user"
    home.mkdir()
    shell = Shell(str(api.make_url("")).rstrip("/"), home)
    for n, color in enumerate(["crimson", "teal", "gold"]):
        (home / f"{n}.png").write_bytes(picture("PNG", (30, 20), color))
        await shell.json("post", f"{n}.png", "-t", f"Meme {n}")
    return shell


async def test_report_then_work_the_queue(memes: Shell, database_url):
    assert "reported meme 1 (spam)" in (await memes("report", "1", "--reason", "spam")).stderr
    await memes.ok("report", "2", "--reason", "other", "--note", "my photo")
    again = await memes("report", "1", "--reason", "nsfw")
    assert (again.returncode, again.stderr.count("\n")) == (1, 1)
    assert again.stderr.startswith("Conflict: "), again.stderr
    refused = await memes("report", "1", "--reason", "boring")
    assert refused.returncode == 2 and "'boring' is not one of" in refused.stderr

    without = await memes("mod", "queue")
    assert without.returncode == 2 and "Missing option '--token'" in without.stderr
    stranger = await memes("mod", "queue", "--token", "x" * 20)
    assert (stranger.returncode, stranger.stderr.split(":")[0]) == (4, "Forbidden")

    queue = (await memes.ok("mod", "queue", "--token", MODERATOR)).splitlines()
    assert queue[0].split() == ["meme", "title", "reports", "reasons", "newest", "note", "shown"]
    assert [line.split()[:4] for line in queue[1:]] == [
        ["2", "Meme", "1", "1"],
        ["1", "Meme", "0", "1"],
    ]
    assert "my photo" in queue[1] and "public" in queue[1]

    hidden = await memes.json("mod", "hide", "1", "--reason", "spam", "--token", MODERATOR)
    assert hidden["visibility"] == "hidden"
    assert (await memes("show", "1")).returncode == 3  # hidden: not found for everyone else
    await memes.ok("mod", "restore", "1", "--token", MODERATOR)
    await memes.ok("mod", "dismiss", "2", "--reason", "allowed", "--token", MODERATOR)
    nothing = await memes("mod", "dismiss", "2", "--token", MODERATOR)
    assert (nothing.returncode, nothing.stderr.strip()) == (
        1,
        "Conflict: meme 2 has no open report",
    )
    await memes.ok("mod", "remove", "3", "--reason", "off-topic", "--token", MODERATOR)
    assert query(database_url, "SELECT id FROM memes ORDER BY id") == [(1,), (2,)]

    log = await memes.json("mod", "log", "--token", MODERATOR)
    assert [(e["moderator"], e["action"], e["meme_id"], e["reason"]) for e in log] == [
        ("carol", "remove", 3, "off-topic"),
        ("carol", "dismiss", 2, "allowed"),
        ("carol", "restore", 1, None),
        ("carol", "hide", 1, "spam"),
    ]
    table = (await memes.ok("mod", "log", "--meme", "1", "--token", MODERATOR)).splitlines()
    assert table[0].split() == ["at", "moderator", "action", "meme", "reason"]
    assert [line.split()[2:] for line in table[1:]] == [
        ["carol", "restore", "1"],
        ["carol", "hide", "1", "spam"],
    ]
