"""The log set up as the services set it up: JSON lines, the request id, one record for a
traceback, a file rotated by size."""

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from common.logs import REQUEST_ID, setup_logging


@pytest.fixture
def root_logger():
    """The root logger as pytest set it, put back after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_lines_with_the_request_id_and_tracebacks_in_one_record(root_logger, tmp_path):
    path = tmp_path / "logs" / "api.log"
    setup_logging("api", "json", "INFO", path, 1024)
    log = logging.getLogger("memes.test")
    token = REQUEST_ID.set("req-1")
    try:
        log.info("hello %s", "there")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("it failed")
    finally:
        REQUEST_ID.reset(token)
    log.debug("not at INFO")
    for n in range(20):  # past 1 KiB: rotated
        log.warning("line %d", n)
    age = {"api.log": 0} | {f"api.log.{n}": n for n in range(1, 10)}  # .5 is the oldest
    files = sorted(path.parent.iterdir(), key=lambda file: -age[file.name])
    assert path.with_name("api.log.1") in files and len(files) <= 6  # 5 old ones at most
    records = [json.loads(line) for file in files for line in file.read_text().splitlines()]
    first, failed = records[:2]
    assert first["message"] == "hello there" and first["request_id"] == "req-1"
    assert first["level"] == "INFO" and first["service"] == "api" and first["pid"]
    logged_at = datetime.fromisoformat(first["time"])  # ISO 8601, in UTC
    assert logged_at.utcoffset() == timedelta(0) and first["time"].endswith("+00:00")
    assert abs(datetime.now(UTC) - logged_at) < timedelta(minutes=1)
    assert failed["message"] == "it failed" and "ValueError: boom" in failed["exc_info"]
    assert [r["message"] for r in records[2:]] == [f"line {n}" for n in range(20)]
