"""The private media service: stores and serves the picture blobs."""

import argparse
import logging
import sys

from pydantic import ValidationError

from common.logs import AccessLogger, setup_logging
from common.serving import Listener, run
from common.settings_docs import settings_help
from media.app import create_app
from media.settings import MediaSettings


def main() -> None:
    argparse.ArgumentParser(
        prog="python -m media",
        description="The private media service: stores and serves the picture blobs.",
        epilog=settings_help(MediaSettings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s media %(levelname)s %(message)s")
    try:
        settings = MediaSettings()
    except ValidationError as exc:
        sys.exit(f"Invalid settings (see the README's settings table):\n{exc}")
    setup_logging(
        "media",
        settings.log_format,
        settings.log_level,
        settings.log_file,
        settings.log_file_max_bytes,
    )
    access_log = logging.getLogger("aiohttp.access")
    runner_args = {"access_log": access_log, "access_log_class": AccessLogger}
    run(
        create_app(settings),
        Listener(settings.media_host, settings.media_port, runner_args=runner_args),
        Listener(settings.metrics_host, settings.media_metrics_port),
        settings.shutdown_timeout_seconds,
    )


if __name__ == "__main__":
    main()
