"""`memes report` and `memes mod ...`, run as the installed console script against the api on
a real socket (the shell is tests/test_cli_client.py's), with a moderator's token."""

import pytest

from tests.cli_shell import MODERATOR, Shell
from tests.helpers import query
from tests.pictures import picture

pytestmark = pytest.mark.slow


async def test_report_then_work_the_queue(memes: Shell, database_url):
    for n, color in enumerate(["crimson", "teal", "gold"]):
        (memes.cwd / f"{n}.png").write_bytes(picture("PNG", (30, 20), color))
        await memes.json("post", f"{n}.png", "-t", f"Meme {n}")
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
    asked = await memes("mod", "remove", "3", "--token", MODERATOR)  # no terminal to ask on
    assert (asked.returncode, "pass --yes to remove meme 3" in asked.stderr) == (2, True)
    await memes.ok("mod", "remove", "3", "--reason", "off-topic", "-y", "--token", MODERATOR)
    assert query(database_url, "SELECT id FROM memes ORDER BY id") == [(1,), (2,)]
    banned = await memes("mod", "ban", "2", "--reason", "stolen", "--yes", "--token", MODERATOR)
    assert banned.stderr == "meme 2 removed and its picture banned (ban 1)\n"
    again = await memes("post", "1.png", "-t", "Again")
    assert (again.returncode, again.stderr.split(":")[0]) == (1, "Unprocessable Entity")
    bans = (await memes.ok("mod", "bans", "--token", MODERATOR)).splitlines()
    assert bans[0].split() == ["ban", "banned", "by", "meme", "reason", "sha256"]
    assert bans[1].split()[:1] + bans[1].split()[3:6] == ["1", "carol", "2", "stolen"]
    assert (await memes("mod", "unban", "1", "--token", MODERATOR)).stderr == "ban 1 lifted\n"
    await memes.ok("post", "1.png", "-t", "Again")
    await memes.ok("rm", "4", "--yes")

    log = await memes.json("mod", "log", "--token", MODERATOR)
    assert [(e["moderator"], e["action"], e["meme_id"], e["reason"]) for e in log] == [
        ("carol", "unban", 2, None),
        ("carol", "ban", 2, "stolen"),
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
