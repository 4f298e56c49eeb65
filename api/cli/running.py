"""What every command of `python -m api` starts with: the settings, its logs, and the services
opened through the one `open_services()`, as the server opens them."""

import asyncio
import sys
from collections.abc import Awaitable, Callable

from api.services import Services, open_services
from api.settings import ApiSettings
from common.logs import setup_logging
from common.problems import Problem
from common.run_settings import read_settings


def log_settings(settings: ApiSettings, worker: int | None = None) -> None:
    file = settings.log_file
    if file is not None and worker is not None:  # processes must not rotate one file together
        file = file.with_name(f"{file.stem}.{worker}{file.suffix}")
    setup_logging("api", settings.log_format, settings.log_level, file, settings.log_file_max_bytes)


def load_settings() -> ApiSettings:
    settings = read_settings(ApiSettings)
    log_settings(settings)
    return settings


def with_services(
    command: Callable[[Services], Awaitable[None]], migrate: bool | None = None
) -> None:
    settings = load_settings()

    async def run() -> None:
        async with open_services(settings, migrate=migrate) as services:
            await command(services)

    try:
        asyncio.run(run())
    except Problem as exc:  # an outage or a refusal: one line, as the api would answer it
        sys.exit(f"{exc.detail} ({exc.code})")
