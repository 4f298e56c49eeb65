"""The `memes` command as a user runs it: its installed console script, against the api on a
real socket with a moderator, in a directory of the test's own (tests/test_cli_client*.py)."""

import asyncio
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.doc_pages import ROOT

MEMES = Path(sys.executable).parent / "memes"  # the console script pip installed


# A moderator of the api the commands run against.
MODERATOR = "carols-moderator-token-0123"


class Shell:
    """Runs `memes ...` as a user would, with a token file of this test's own."""

    def __init__(self, url: str, cwd: Path):
        self.cwd = cwd
        self.env = {
            **os.environ,
            # The script imports memes_cli from this checkout, not from the one it was
            # installed from (another worktree, say).
            "PYTHONPATH": str(ROOT),
            "MEMES_URL": url,
            "MEMES_TOKEN_FILE": str(cwd / "config" / "tokens.json"),
        }

    async def __call__(
        self, *args: str, url: str | None = None, env: dict | None = None,
        typed: str | None = None,
    ) -> subprocess.CompletedProcess:
        """`memes *args`; stdin is nothing (as in a script or cron), or a terminal on which
        the user types `typed`."""
        env = self.env | ({"MEMES_URL": url} if url else {}) | (env or {})
        terminal = pty.openpty() if typed is not None else None
        # The api runs on this test's event loop: the command must not block it.
        process = await asyncio.create_subprocess_exec(
            str(MEMES), *args, cwd=self.cwd, env=env,
            stdin=terminal[1] if terminal else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        if terminal:
            os.close(terminal[1])
            os.write(terminal[0], typed.encode())  # the terminal holds it until it is read
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        finally:
            if terminal:
                os.close(terminal[0])
        return subprocess.CompletedProcess(
            args, process.returncode, stdout.decode(), stderr.decode()
        )

    async def ok(self, *args: str) -> str:
        done = await self(*args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    async def json(self, *args: str):
        return json.loads(await self.ok(*args, "--json"))

    def tokens(self) -> dict:
        return json.loads((self.cwd / "config" / "tokens.json").read_text())
