"""Schemathesis fuzzes the live api from its own openapi.json: every check (server errors,
status codes, content types, headers and bodies against the spec, positive and negative data,
auth), and stateful sequences that follow the spec's links from a created meme. Uploads are
real pictures (tests/fuzz_hooks.py); the few reasoned exceptions are tests/schemathesis.toml's.
"""

import asyncio
import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import ROOT

pytestmark = pytest.mark.slow

ADMIN = "fuzzing-moderator-token-0123"
MAX_EXAMPLES = 100  # per operation and phase: about a minute here


def fuzz_seed() -> int:
    """`FUZZ_SEED`, or today's date (20261206): each day's run draws other cases, and a failure
    names its seed, so that `FUZZ_SEED=20261206 make test` draws the same ones again."""
    return int(os.environ.get("FUZZ_SEED") or datetime.date.today().strftime("%Y%m%d"))


async def test_schemathesis_finds_nothing(api_process, tmp_path):
    api = await asyncio.to_thread(
        api_process,
        admin_token=ADMIN,  # so that PUT, PATCH and DELETE reach past the token check
        rate_limit_reads=0,
        rate_limit_writes=0,
        max_uploads_per_client=64,
    )
    seed = fuzz_seed()
    print(f"schemathesis seed {seed} (FUZZ_SEED={seed} draws the same cases)")  # pytest -s
    # Every check is on by default; `--checks all` would also undo the config's exceptions.
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file", str(ROOT / "tests" / "schemathesis.toml"),
        "run", f"{api.url}/openapi.json",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(seed),
        "--workers", "1",
        "--request-timeout", "10",
        "-H", f"Authorization: Bearer {ADMIN}",
    ]  # fmt: skip
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz_hooks", "PYTHONPATH": str(ROOT)}
    run = await asyncio.to_thread(
        subprocess.run, command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240
    )
    summary = run.stdout[-3000:]
    again = f"seed {seed}: FUZZ_SEED={seed} draws the same cases again"
    assert run.returncode == 0, f"{again}\n{run.stdout[-20000:]}"
    cases = int(re.search(r"(\d+) generated", summary).group(1))
    assert cases > 1000, f"{again}\n{summary}"
    print(f"schemathesis: {cases} cases, 0 failures, seed {seed}")  # shown with pytest -s
    assert "Stateful" in summary and "❌" not in summary, f"{again}\n{summary}"
