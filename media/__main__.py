import logging

from aiohttp import web

from media.app import create_app
from media.settings import MediaSettings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s media %(levelname)s %(message)s")
    settings = MediaSettings()
    web.run_app(create_app(settings), host=settings.media_host, port=settings.media_port)


if __name__ == "__main__":
    main()
