"""The private media service: stores and serves the picture blobs."""

import logging

import click

from common.logs import AccessLogger, setup_logging
from common.run_settings import read_settings
from common.serving import Listener, run
from common.settings_docs import SettingsCommand
from media.app import create_app
from media.settings import MediaSettings


@click.command(
    cls=SettingsCommand,
    settings=MediaSettings,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
def main() -> None:
    """The private media service: stores and serves the picture blobs."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s media %(levelname)s %(message)s")
    settings = read_settings(MediaSettings)
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
    main(prog_name="python -m media")
