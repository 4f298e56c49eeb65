"""The private media service: stores and serves the picture blobs."""

import argparse
import logging
import sys

from aiohttp import web
from pydantic import ValidationError

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
    web.run_app(create_app(settings), host=settings.media_host, port=settings.media_port)


if __name__ == "__main__":
    main()
