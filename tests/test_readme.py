"""The README and docs/: their curl and httpie examples, run as written against both services
on real sockets, page by page, and the tables of docs/settings.md, made from the code."""

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.app import create_app as create_api_app
from api.cli.docs import SETTINGS_PAGE, readme_command, rendered
from api.settings import ApiSettings
from media.settings import MediaSettings
from tests.doc_pages import (
    PAGES,
    README,
    ROOT,
    api_blocks,
    api_examples,
    broken_links,
    lines_of_other_blocks,
    name,
    sh_blocks,
)
from tests.helpers import api_settings_for, query
from tests.pictures import picture

API_GUIDE = ROOT / "docs" / "api.md"
PAGES_WITH_EXAMPLES = [page for page in PAGES if api_blocks(page)]


def runnable(block: str, port: int) -> str:
    """The block as a script against the test's api, failing on the first failed request."""
    block = block.replace("localhost:8080", f"127.0.0.1:{port}").replace(" :8080", f" :{port}")
    lines = ["set -euo pipefail"]
    for line in block.splitlines():
        if line.startswith("curl "):
            line = "curl -sS --fail-with-body " + line.removeprefix("curl ")
        elif line.startswith("http "):
            line = "http --check-status --ignore-stdin " + line.removeprefix("http ")
        lines.append(line)
    return "\n".join(lines)


# For each endpoint: a piece of its curl example and a piece of its httpie example.
ENDPOINTS = {
    "POST /memes": ("-F image=@meme.jpg localhost:8080/memes", "--form POST :8080/memes "),
    "GET /memes": ("localhost:8080/memes?limit=", ":8080/memes limit=="),
    "GET /memes/{id}": ("curl localhost:8080/memes/1", "http :8080/memes/1"),
    "PUT /memes/{id}": ("-X PUT -H", "http --form PUT :8080/memes/1"),
    "PATCH /memes/{id}": ("-X PATCH -H", "http PATCH :8080/memes/1"),
    "GET /memes/{id}/image": ("localhost:8080/memes/1/image", ":8080/memes/1/image"),
    "DELETE /memes/{id}": ("-X DELETE localhost:8080/memes/", "http DELETE :8080/memes/"),
    "GET /memes?cursor": ("&cursor=$next", "cursor==$next"),
    "GET /memes?sha256": ("/memes?sha256=$sha", "sha256==$sha"),
    "GET /memes/export": ("localhost:8080/memes/export?", ":8080/memes/export "),
    "GET /tags": ("localhost:8080/tags", ":8080/tags"),
    "GET /memes/{id}/image?size": ("/image?size=thumb", "/image size==small"),
    "GET /memes/{id}/image Range": ("curl -r 0-99", "Range:bytes=-100"),
    "GET /images/{sha256}": ('"localhost:8080$url', ":8080$url"),
    "GET /health": ("localhost:8080/health", ":8080/health"),
    "POST /memes Idempotency-Key": ("-H 'Idempotency-Key: ", " Idempotency-Key:"),
    "HEAD /memes": ("curl -I 'localhost:8080/memes", "http HEAD :8080/memes "),
    "GET /memes/{id}/similar": ("localhost:8080/memes/1/similar", ":8080/memes/1/similar"),
    "GET /memes?processing": ("/memes?processing=pending", "processing==done"),
    "GET /memes/{id}/similar?relation": ("", "relation==repost"),
    "GET /templates": ("localhost:8080/templates?limit=", ":8080/templates limit=="),
    "GET /memes?template": ("/memes?template=1", "template==1"),
    "PATCH /memes/{id} visibility": ('"visibility": "hidden"', "visibility=public"),
    "GET /moderation/log": ("localhost:8080/moderation/log", ":8080/moderation/log"),
    "POST /memes/{id}/reports": ("localhost:8080/memes/1/reports", "POST :8080/memes/2/reports"),
    "GET /reports": ("localhost:8080/reports", ":8080/reports "),
    "POST /reports/{meme_id}/close": ("localhost:8080/reports/1/close", ":8080/reports/2/close"),
    "PATCH /memes/{id} sensitive": ('"sensitive": true', "sensitive:=true"),
    "GET /memes?sensitive": ("/memes?sensitive=false", "sensitive==false"),
    "GET /memes?visibility": ("/memes?visibility=hidden", "visibility==hidden"),
    "GET /bans": ("localhost:8080/bans", ":8080/bans "),
    "DELETE /bans/{id}": ("-X DELETE -H", "http DELETE :8080/bans/"),
    "POST /bans": ('"meme_id": 4', "POST :8080/bans "),
    "GET /m/{id}": ("localhost:8080/m/1", ":8080/m/1"),
}
# The moderator the examples act as (`$MODERATOR_TOKEN` in them).
MODERATOR_TOKEN = "alices-example-token-0123"


def test_every_example_of_every_page_is_run():
    assert {README, API_GUIDE} <= set(PAGES_WITH_EXAMPLES)
    for page in PAGES:
        for block in sh_blocks(page):
            lines = [line for line in block.splitlines() if line.strip()]
            memes = [line for line in lines if line.startswith("memes ")]
            assert memes in ([], lines), (name(page), block)  # run line by line, alone
        for line in lines_of_other_blocks(page):
            assert not line.startswith(("curl ", "http ", "memes ")), (name(page), line)


def test_every_link_between_pages_leads_somewhere():
    assert {name(page): broken_links(page) for page in PAGES} == {name(page): [] for page in PAGES}


def test_every_file_a_page_names_is_there():
    """A file or folder of the project named in backquotes (`api/web/memes.py`) exists: a page
    does not go on naming what was moved or renamed."""
    folders = "api|media|common|memes_cli|tests|bench|sql|deploy|scripts"
    named = re.compile(rf"`((?:{folders})/[\w/.-]*)`")
    missing = {
        name(page): [path for path in named.findall(page.read_text()) if not (ROOT / path).exists()]
        for page in PAGES
    }
    assert missing == {name(page): [] for page in PAGES}


def test_every_endpoint_has_a_curl_and_an_httpie_example():
    commands = [command for page in PAGES for command in api_examples(page)]
    for endpoint, (curl_piece, httpie_piece) in ENDPOINTS.items():
        assert any(c.startswith("curl ") and curl_piece in c for c in commands), endpoint
        assert any(c.startswith("http ") and httpie_piece in c for c in commands), endpoint


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=name)
async def test_the_examples_of_a_page_work_in_order(
    page, aiohttp_server, media_server, database_url, tmp_path
):
    settings = api_settings_for(
        database_url,
        str(media_server.make_url("")),
        tmp_path,
        moderator_tokens=f"alice:{MODERATOR_TOKEN}",
    )
    api = await aiohttp_server(create_api_app(settings))
    workdir = tmp_path / "user"
    workdir.mkdir()
    (workdir / "meme.jpg").write_bytes(picture("JPEG", (64, 48), "navy"))
    (workdir / "new.png").write_bytes(new_png := picture("PNG", (32, 32), "gold"))
    (workdir / "stolen.png").write_bytes(picture("PNG", (40, 24), "purple"))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HTTPIE_CONFIG_DIR": str(tmp_path / "httpie"),
        "MODERATOR_TOKEN": MODERATOR_TOKEN,
    }
    assert shutil.which("http", path=env["PATH"]) and shutil.which("curl")

    outputs = []
    for block in api_blocks(page):
        process = await run_shell(runnable(block, api.port), workdir, env)
        assert process.returncode == 0, (block, process.stdout, process.stderr)
        outputs.append(process.stdout)

    # What the examples did, seen from the outside.
    if page == README:
        assert (workdir / "picture.jpg").read_bytes().startswith(b"\xff\xd8")
        assert '"title":"This is fine"' in outputs[1].replace(": ", ":")
        assert query(database_url, "SELECT count(*) FROM memes") == [(2,)]
    elif page == API_GUIDE:
        api_guide_did(workdir, outputs, new_png, database_url)


def api_guide_did(workdir: Path, outputs: list[str], new_png: bytes, database_url: str) -> None:
    assert (workdir / "picture").read_bytes() == new_png  # a Pillow PNG comes back as it was
    assert (workdir / "first-bytes").read_bytes() == new_png[:100]
    assert (workdir / "last-bytes").read_bytes() == new_png[-100:]
    assert (workdir / "thumb.webp").read_bytes().startswith(b"RIFF")
    assert (workdir / "grid.avif").read_bytes()[4:12] == b"ftypavif"
    assert (workdir / "page.webp").read_bytes().startswith(b"RIFF")
    assert (workdir / "Distracted developer.png").read_bytes() == new_png  # curl -J
    named = 'Content-Disposition: attachment; filename="Distracted developer.jpg"'
    assert any(named in output for output in outputs)  # http --headers, Accept: */*
    assert any("HTTP/1.1 304 Not Modified" in output for output in outputs)
    assert any('"total":null' in output for output in outputs)  # the page a cursor reached
    assert any('rel="alternate"' in output for output in outputs)  # a meme's page, absolute
    assert any('<meta property="og:image" content="http://' in output for output in outputs)
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]
    assert query(database_url, "SELECT count(*) FROM bans") == [(0,)]  # lifted, both
    banned = (
        "SELECT meme_id, action FROM moderation_log WHERE action IN ('ban', 'unban') ORDER BY id"
    )
    assert query(database_url, banned) == [(4, "ban"), (4, "unban"), (5, "ban"), (5, "unban")]
    reports = "SELECT meme_id, reason, action FROM reports ORDER BY id"
    assert query(database_url, reports) == [(1, "spam", "dismiss"), (2, "nsfw", "dismiss")]


async def run_shell(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The servers run on this test's event loop: the command must not block it.
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    return subprocess.CompletedProcess(
        command, process.returncode, stdout.decode(), stderr.decode()
    )


def test_the_tables_of_settings_and_errors_are_made_from_the_code():
    for page in PAGES:
        text = page.read_text()
        assert rendered(text) == text, f"{name(page)}: its tables are stale: run `make docs`"
    where = next(param.default for param in readme_command.params if param.name == "path")
    assert where == SETTINGS_PAGE  # where `make docs` writes
    text = SETTINGS_PAGE.read_text()
    for table in ("api-settings", "media-settings", "api-errors", "media-errors"):
        assert f"<!-- generated: {table} -->\n| " in text, table
    # Every setting of both services is in it, by its environment variable.
    for settings in (ApiSettings, MediaSettings):
        for field in settings.model_fields:
            assert f"| `{field.upper()}` |" in text, field
