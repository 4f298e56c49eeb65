"""The README: its curl and httpie examples, run as written against both services on real
sockets, and its tables, made from the code."""

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.app import create_app as create_api_app
from api.cli.docs import rendered_readme
from api.settings import ApiSettings
from media.settings import MediaSettings
from tests.helpers import api_settings_for, query
from tests.pictures import picture

README = Path(__file__).resolve().parent.parent / "README.md"


def api_blocks() -> list[str]:
    """The sh blocks of the README's API section, in order."""
    section = README.read_text().split("## The API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def api_examples() -> list[str]:
    lines = [line for block in api_blocks() for line in block.splitlines()]
    return [line for line in lines if line.startswith(("curl ", "http "))]


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
}


def test_every_endpoint_has_a_curl_and_an_httpie_example():
    commands = api_examples()
    for endpoint, (curl_piece, httpie_piece) in ENDPOINTS.items():
        assert any(c.startswith("curl ") and curl_piece in c for c in commands), endpoint
        assert any(c.startswith("http ") and httpie_piece in c for c in commands), endpoint


@pytest.mark.slow
async def test_readme_examples_work(aiohttp_server, media_server, database_url, tmp_path):
    settings = api_settings_for(database_url, str(media_server.make_url("")), tmp_path)
    api = await aiohttp_server(create_api_app(settings))
    workdir = tmp_path / "user"
    workdir.mkdir()
    (workdir / "meme.jpg").write_bytes(picture("JPEG", (64, 48), "navy"))
    (workdir / "new.png").write_bytes(new_png := picture("PNG", (32, 32), "gold"))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HTTPIE_CONFIG_DIR": str(tmp_path / "httpie"),
    }
    assert shutil.which("http", path=env["PATH"]) and shutil.which("curl")

    outputs = []
    for block in api_blocks():
        process = await run_shell(runnable(block, api.port), workdir, env)
        assert process.returncode == 0, (block, process.stdout, process.stderr)
        outputs.append(process.stdout)

    # What the examples did, seen from the outside.
    assert (workdir / "picture").read_bytes() == new_png  # a Pillow PNG comes back as it was
    assert (workdir / "first-bytes").read_bytes() == new_png[:100]
    assert (workdir / "last-bytes").read_bytes() == new_png[-100:]
    assert (workdir / "thumb.webp").read_bytes().startswith(b"RIFF")
    assert any("HTTP/1.1 304 Not Modified" in output for output in outputs)
    assert any('"total":null' in output for output in outputs)  # the page a cursor reached
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]


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


def test_readme_tables_of_settings_and_errors_are_made_from_the_code():
    text = README.read_text()
    assert rendered_readme(text) == text, "the README's tables are stale: run `make docs`"
    for table in ("api-settings", "media-settings", "api-errors", "media-errors"):
        assert f"<!-- generated: {table} -->\n| " in text, table
    # Every setting of both services is in it, by its environment variable.
    for settings in (ApiSettings, MediaSettings):
        for name in settings.model_fields:
            assert f"| `{name.upper()}` |" in text, name
