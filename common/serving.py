"""Serve an aiohttp app until SIGTERM or SIGINT, then shut down gracefully: the listening
socket closes (new connections are refused), requests in flight get `SHUTDOWN_TIMEOUT_SECONDS`
to finish, their bodies still arriving (aiohttp's own shutdown stops reading from a connection
at once, so an upload in flight would stall), and their answers close their connections; only
then do idle connections close and the app's cleanup run (the api's image workers, the
database pool). A second signal (Ctrl-C reaches every process of the terminal, and `make run`
passes a SIGTERM on) changes nothing: cleanup is never interrupted. The metrics app listens on
a port of its own and stops last."""

import asyncio
import logging
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from common.metrics import InFlight, metrics_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Listener:
    host: str
    port: int
    reuse_port: bool = False  # several processes accept on one port (API_WORKERS)
    runner_args: dict[str, Any] = field(default_factory=dict)


async def _start(app: web.Application, listener: Listener, shutdown_timeout: float):
    runner = web.AppRunner(
        app, handle_signals=False, shutdown_timeout=shutdown_timeout, **listener.runner_args
    )
    await runner.setup()
    site = web.TCPSite(runner, listener.host, listener.port, reuse_port=listener.reuse_port)
    try:
        await site.start()
    except BaseException as exc:
        await runner.cleanup()
        if isinstance(exc, OSError):  # a port taken: one line that says which, no traceback
            log.error("cannot listen on %s:%s: %s", listener.host, listener.port, exc.strerror)
            raise SystemExit(1) from None
        raise
    return runner


async def _drain(timeout: float) -> None:
    """Until no handler runs, or `timeout`."""
    deadline = time.monotonic() + timeout
    while InFlight.count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    if InFlight.count:
        log.warning("%d request(s) still running after %g s: cut", InFlight.count, timeout)


def _closing(stopping: asyncio.Event):
    async def close_when_stopping(request: web.Request, response: web.StreamResponse) -> None:
        if stopping.is_set():
            response.force_close()  # the client goes elsewhere for its next request

    return close_when_stopping


async def serve(
    app: web.Application, listener: Listener, metrics: Listener | None, shutdown_timeout: float
) -> None:
    stop = asyncio.Event()
    app.on_response_prepare.append(_closing(stop))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    metrics_runner = None
    if metrics is not None:
        quiet = Listener(metrics.host, metrics.port, runner_args={"access_log": None})
        metrics_runner = await _start(metrics_app(), quiet, 1)
    try:
        runner = await _start(app, listener, shutdown_timeout)
        log.info("listening on %s:%s", listener.host, listener.port)
        try:
            await stop.wait()
            for signum in (signal.SIGTERM, signal.SIGINT):
                # Stopping already: a later signal changes nothing, up to the process's very
                # end. Left to the loop, it would be the default's again once the loop closes,
                # and a SIGTERM then (a worker's server passing a Ctrl-C on, late) kills the
                # process at its exit: -15, a failed stop.
                loop.remove_signal_handler(signum)
                signal.signal(signum, signal.SIG_IGN)
            log.info("stopping: finishing %d request(s) in flight", InFlight.count)
            for site in list(runner.sites):
                await site.stop()
            await _drain(shutdown_timeout)
        finally:
            await runner.cleanup()
        log.info("stopped")
    finally:
        if metrics_runner is not None:
            await metrics_runner.cleanup()


def run(
    app: web.Application, listener: Listener, metrics: Listener | None, shutdown_timeout: float
) -> None:
    asyncio.run(serve(app, listener, metrics, shutdown_timeout))
