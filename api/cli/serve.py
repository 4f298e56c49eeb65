"""python -m api serve: the api on API_HOST:API_PORT, from API_WORKERS processes.

With more than one worker this process starts them (multiprocessing, `spawn`: each starts
clean, with its own event loop, pool and image workers), and each listens on the same port with
SO_REUSEPORT, so the kernel shares out the connections. A SIGTERM or SIGINT here is passed on
once to every worker, each shuts down gracefully (common.serving), and this process waits for
them all. A worker that exits unasked stops the others: the server exits non-zero.
"""

import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys

import click
from aiohttp.http_exceptions import HttpProcessingError

from api.app import create_app
from api.cli.running import load_settings, log_settings
from api.settings import ApiSettings
from common.lifeline import end_with
from common.logs import AccessLogger
from common.serving import Listener, run

log = logging.getLogger(__name__)


class BadRequestsInOneLine(logging.Filter):
    """aiohttp logs a request it cannot parse (a NUL in a header, a head over its limits) as
    an ERROR with a traceback; it is the client's mistake: one warning line says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            message = " ".join(str(exc.message).split())  # aiohttp's spans lines
            record.msg = f"{record.getMessage()}: {exc.code} {message}"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


def serve_one(settings: ApiSettings, worker: int = 0, server: int | None = None) -> None:
    """One api process: the app on API_PORT, its metrics on API_METRICS_PORT + `worker`; one
    of the `server` process's workers ends with it, even if it is killed."""
    if server is not None:
        end_with(server)
    # Again in a spawned worker, which starts with nothing set up.
    log_settings(settings, worker if settings.api_workers > 1 else None)
    logging.getLogger("aiohttp.server").addFilter(BadRequestsInOneLine())
    runner_args = {
        "access_log": logging.getLogger("aiohttp.access") if settings.access_log else None,
        "access_log_class": AccessLogger,
        # aiohttp arms this when a connection opens and after each response: it also ends a
        # client that never finishes sending a request head (a slowloris).
        "keepalive_timeout": settings.idle_timeout_seconds,
    }
    listener = Listener(
        settings.api_host, settings.api_port, settings.api_workers > 1, runner_args
    )
    port = settings.api_metrics_port
    metrics = Listener(settings.metrics_host, port + worker if port else 0)  # 0: any free port
    run(create_app(settings), listener, metrics, settings.shutdown_timeout_seconds)


def serve(settings: ApiSettings) -> None:
    address = f"http://{settings.api_host}:{settings.api_port}"
    print(f"Gallery: {address}/\nSwagger UI: {address}/docs", flush=True)
    if settings.api_workers == 1:
        serve_one(settings)
        return
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=serve_one, args=(settings, n, os.getpid()), name=f"api-{n}")
        for n in range(settings.api_workers)
    ]
    stopping = False

    def stop(signum: int, frame) -> None:
        nonlocal stopping
        if not stopping:  # once: a second signal must not cut a worker's cleanup short
            stopping = True
            for worker in workers:
                if worker.pid is not None:
                    worker.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for worker in workers:
        worker.start()
    log.info("started %d api workers: %s", len(workers), [w.pid for w in workers])
    # Whichever ends first: a worker that dies unasked (its port taken at start-up, killed
    # later) stops the server, rather than leaving it to serve from fewer processes unnoticed.
    running = {worker.sentinel: worker for worker in workers}
    failed = False
    while running:
        for sentinel in multiprocessing.connection.wait(list(running)):
            worker = running.pop(sentinel)
            worker.join()
            if not stopping:
                log.error("api worker %s (pid %s) exited with %s: stopping the server",
                          worker.name, worker.pid, worker.exitcode)
                failed = True
                stop(signal.SIGTERM, None)
    sys.exit(1 if failed or any(worker.exitcode for worker in workers) else 0)


@click.command("serve")
def serve_command() -> None:
    """Serve the api (the default)."""
    serve(load_settings())
