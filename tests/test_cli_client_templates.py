"""`memes templates` and `memes ls --template`, run as the installed console script against
the api on a real socket (the shell and its fixture are tests/test_cli_client.py's)."""

import pytest

from tests.cli_shell import Shell
from tests.helpers import query
from tests.pictures import picture

pytestmark = pytest.mark.slow


async def test_templates_and_the_memes_of_one(memes: Shell, database_url):
    for n, color in enumerate(["crimson", "crimson", "teal"]):
        (memes.cwd / f"{n}.png").write_bytes(picture("PNG", (30, 20), color))
    posted = [await memes.json("post", f"{n}.png", "-t", f"Meme {n}") for n in range(3)]
    # Their pictures processed and given templates (as a job does, in SQL here: no OCR).
    for sha256, signature in [(posted[0]["sha256"], 0), (posted[2]["sha256"], -1)]:
        query(database_url, "WITH t AS (INSERT INTO templates (signature, example_sha256)"
              " VALUES (%s, %s) RETURNING id) UPDATE blobs SET template_id = (SELECT id FROM t)"
              " WHERE sha256 = %s RETURNING template_id", (signature, sha256, sha256))  # fmt: skip

    assert await memes.json("templates") == [
        {"id": 1, "memes": 2, "example": posted[0]["id"],
         "example_url": f"/memes/{posted[0]['id']}/image?size=thumb"},
        {"id": 2, "memes": 1, "example": posted[2]["id"],
         "example_url": f"/memes/{posted[2]['id']}/image?size=thumb"},
    ]  # fmt: skip
    table = (await memes.ok("templates", "--limit", "1", "--all")).splitlines()
    assert table[0].split() == ["template", "memes", "example", "thumbnail"]
    assert [line.split()[:3] for line in table[1:]] == [
        ["1", "2", str(posted[0]["id"])], ["2", "1", str(posted[2]["id"])],
    ]  # fmt: skip
    listed = await memes.json("ls", "--template", "1")
    assert [meme["id"] for meme in listed] == [posted[1]["id"], posted[0]["id"]]
    assert all(meme["template_id"] == 1 for meme in listed)
    shown = (await memes.ok("show", str(posted[0]["id"]))).splitlines()
    assert ["template", "1"] in [line.split() for line in shown]
    refused = await memes("ls", "--template", "0")
    assert refused.returncode != 0
