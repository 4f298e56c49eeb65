"""`python -m bench chaos`, short: writers, readers, exporters and slow clients for 20 s while
media, S3, PostgreSQL, the api and the worker fail at random, then every check of the run
passes. The seed is the day's (printed), so that the suite meets other faults over time; a
failing run is repeated with `python -m bench chaos --seed SEED --seconds 20 --memes 300`."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 20


def test_a_short_chaos_run_passes_every_check():
    seed = int(datetime.date.today().strftime("%Y%m%d"))
    print(f"chaos seed {seed}")
    command = ["bench", "chaos", "--seconds", str(SECONDS), "--seed", str(seed), "--memes", "300"]
    done = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=SECONDS + 150,
        check=False,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-3000:]
    assert f"seed {seed}" in done.stdout.splitlines()[0]
