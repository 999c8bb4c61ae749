"""``elicense worker``: a process that runs the bundle workflows (DBOS Transact).

It builds the services from the settings (as ``serve`` does), launches the workflow
runtime with executor id ``ELICENSE_WORKER_ID`` and serves the two queues until
SIGTERM or SIGINT, then shuts DBOS down (``DBOS.destroy``) and exits 0. Workflows it
was running stay recorded: a worker restarted with the same executor id resumes them
from their last step, and anything still queued is taken by whichever worker dequeues
first. Run as many as you like on PostgreSQL, each with its own ``ELICENSE_WORKER_ID``.

``--metrics-port PORT`` serves the bundle item steps this worker ran (started,
succeeded, rejected, failed, by bundle and item) at ``http://127.0.0.1:PORT/metrics``
for Prometheus, one target per worker (``--metrics-host`` to listen elsewhere; it
has no token). The queues' depth is on the API's ``/metrics``, read from the database.

One log line on stderr per state change: the worker's own (starting, running,
stopping, stopped) and each item's and application's outcome, by id and state only (no
personal data); one JSON object a line, or plain text with ``ELICENSE_LOG_FORMAT=text``
(:mod:`wallet.server.logs`).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from wallet.cli.fields import UsageError
from wallet.cli.inputs import bounded_int, nonempty

if TYPE_CHECKING:
    from issuers.metrics.prometheus import Metrics

__all__ = ["add_worker_verb"]

_log = logging.getLogger("elicense.worker")


def add_worker_verb(verbs: Any, common: argparse.ArgumentParser) -> None:
    worker = verbs.add_parser(
        "worker",
        parents=[common],
        help="run the bundle workflows (一件事) until SIGTERM/SIGINT",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    worker.add_argument(
        "--metrics-port",
        type=bounded_int(1, 65535),
        default=None,
        help="serve this worker's bundle item counters at http://HOST:PORT/metrics (Prometheus)",
    )
    worker.add_argument(
        "--metrics-host",
        type=nonempty,
        default="127.0.0.1",
        help="where --metrics-port listens (default loopback: the endpoint has no token)",
    )
    worker.set_defaults(handler=_work)


def _say(text: str) -> None:
    _log.info("%s", text)


def _serve_metrics(host: str, port: int | None, metrics: Metrics) -> Callable[[], None]:
    """This worker's counters over HTTP (prometheus-client's own server, no token: keep
    it on loopback or a private network); returns what stops it."""
    if port is None:
        return lambda: None
    from prometheus_client import start_http_server

    try:
        server, thread = start_http_server(port, host, registry=metrics.registry)
    except OSError as exc:
        raise UsageError(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from None
    _say(f"metrics at http://{host}:{port}/metrics")

    def close() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return close


def _work(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_engine
    from wallet.server.logs import JsonFormatter, TextFormatter, log_format
    from wallet.server.settings import get_settings
    from wallet.server.wiring import build_services
    from wallet.server.workflows import workflow_runtime

    settings = get_settings()
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    # The app's loggers only (elicense.worker, elicense.bundles, ...), and taken off
    # again: an in-process caller's own logging (a test's) is left as it was.
    formatter = JsonFormatter() if log_format() == "json" else TextFormatter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    app_log = logging.getLogger("elicense")
    app_log.addHandler(handler)
    app_log.setLevel(logging.INFO)
    try:
        # Outside demo mode a schema behind the head is refused (`elicense db upgrade`).
        with local_engine(settings.resolved_database_url, migrate=settings.demo) as engine:
            services = build_services(settings, engine=engine)
            runtime = workflow_runtime(services, log_items=True)
            close_metrics = _serve_metrics(args.metrics_host, args.metrics_port, services.metrics)
            _say(f"{settings.worker_id}: starting")
            runtime.launch()
            try:
                _say(
                    f"{settings.worker_id}: running (bundles: "
                    f"{', '.join(sorted(services.bundles.definitions)) or 'none'}; "
                    f"item concurrency {settings.bundle_item_concurrency})"
                )
                while not stop.wait(1.0):  # a signal handler sets it
                    pass
                _say(f"{settings.worker_id}: stopping")
            finally:
                runtime.destroy()
                close_metrics()
        _say(f"{settings.worker_id}: stopped")
    finally:
        app_log.removeHandler(handler)
        for signum, before in previous.items():
            signal.signal(signum, before)
    return 0
