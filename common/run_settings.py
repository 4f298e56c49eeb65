"""The settings both services run by: logs, the metrics listener, shutdown. Each description is
a row of the settings tables in docs/settings.md. read_settings() is how every command reads
them."""

import sys
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings

from common.service_token import ServiceTokenSettings

MiB = 1024 * 1024


class RunSettings(ServiceTokenSettings):
    log_format: Literal["text", "json"] = Field(
        "text",
        description="`text`: one readable line per event, for a terminal (`make run`); `json`:"
        " one JSON object per line, for a log collector (compose sets it)",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="the least severe level logged"
    )
    log_file: Path | None = Field(
        None,
        description="also write the log to this file, rotated by size (for hosts without a log"
        " collector); unset: stderr only",
    )
    log_file_max_bytes: int = Field(
        50 * MiB, ge=1024, description="size at which `LOG_FILE` is rotated (5 old files kept)"
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description="address of the Prometheus metrics listener (`/metrics`), apart from the"
        " public port",
    )
    shutdown_timeout_seconds: float = Field(
        20.0,
        gt=0,
        description="on SIGTERM or SIGINT, how long requests in flight may take to finish"
        " (no new connection is accepted meanwhile) before they are cut",
    )


def read_settings[S: BaseSettings](settings: type[S]) -> S:
    """The settings from the environment and .env: a bad one is a message, not a traceback."""
    try:
        return settings()
    except ValidationError as exc:
        sys.exit(f"Invalid settings (see docs/settings.md):\n{exc}")
