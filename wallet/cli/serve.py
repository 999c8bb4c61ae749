"""``elicense serve``: the API and pages under uvicorn.

In demo mode, unless ``ELICENSE_PUBLIC_BASE_URL`` is set, status references point at
the address actually served (``--host``/``--port``), not at a default port: the
address is recorded in the data directory for the demo's CLI verbs, and demo data
minted on an earlier run at another address is re-pointed (:func:`wallet.server.demo.repoint`).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from wallet.cli.fields import UsageError
from wallet.cli.inputs import bounded_int, nonempty

if TYPE_CHECKING:
    from wallet.server.logs import LogFormat
    from wallet.server.settings import Settings

PUBLIC_BASE_URL_ENV = "ELICENSE_PUBLIC_BASE_URL"
INPROCESS_WORKERS_ENV = "ELICENSE_INPROCESS_WORKERS"
RATE_LIMIT_SHARE_ENV = "ELICENSE_RATE_LIMIT_SHARE"
MAX_WORKERS = 64
WORKER_HEALTHCHECK_S = 30
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104 - names, not binds
_log = logging.getLogger("elicense.serve")


def add_serve_verb(verbs: Any, common: argparse.ArgumentParser) -> None:
    serve = verbs.add_parser("serve", parents=[common], help="serve the API and pages")
    serve.add_argument("--host", type=nonempty, default="127.0.0.1")
    serve.add_argument(
        "--port",
        type=bounded_int(1, 65535),
        default=8000,
        help="1-65535 (in demo mode, status references point here)",
    )
    serve.add_argument("--workers", type=bounded_int(1, MAX_WORKERS), default=1)
    serve.set_defaults(handler=_serve)


def served_base_url(host: str, port: int) -> str:
    """Where this machine reaches a server bound to ``host``:``port``; a wildcard bind
    (every interface) is reached on loopback."""
    host = _WILDCARDS.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _check_bindable(host: str, port: int) -> None:
    """UsageError unless a listening socket can be bound at ``host``:``port`` now."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def _share_rate_limits(workers: int) -> None:
    """With a memory:// rate-limit storage each worker counts alone: each gets 1/N of
    every limit (ELICENSE_RATE_LIMIT_SHARE, read by the workers' settings), so the N
    together never allow more than the configured limit."""
    os.environ.setdefault(RATE_LIMIT_SHARE_ENV, str(workers))


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from wallet.server.logs import log_config, log_format

    fmt = log_format()  # a bad ELICENSE_LOG_FORMAT stops here, before anything is done
    with _startup_log(fmt):
        settings = _prepare(args)
    _share_rate_limits(args.workers)
    with _metrics_shared(args.workers):
        uvicorn.run(
            "wallet.server.app:app_from_environment",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            # Named, not left to uvicorn's "auto" (which falls back to asyncio and h11
            # silently when either is missing): every worker runs these.
            loop="uvloop",
            http="httptools",
            # With --workers N the supervisor pings each worker and replaces one that does
            # not answer within this: 5 s (uvicorn's default) killed workers still importing
            # the app on a busy machine, again and again.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
            log_level="info",
            # One JSON object a line (ELICENSE_LOG_FORMAT=text for a terminal); each request
            # logged by wallet.server.request_log instead of uvicorn's access log.
            log_config=log_config(fmt),
            access_log=False,
            # X-Forwarded-For/-Proto believed from these peers only (none unless configured;
            # uvicorn's own default would trust any local process).
            forwarded_allow_ips=settings.trusted_proxies,
        )
    return 0


def _prepare(args: argparse.Namespace) -> Settings:
    """Settings, database and demo data ready for the workers; what serve says meanwhile
    goes through :data:`_log`."""
    from wallet.bundles.engine import migrate_system_database
    from wallet.cli.local import local_engine
    from wallet.server import demo
    from wallet.server.app import admin_token, prepare_database
    from wallet.server.settings import get_settings, record_demo_address
    from wallet.server.wiring import build_services
    from wallet.server.workflows import check_in_process

    settings = get_settings()
    if settings.demo and settings.inprocess_workers is None and args.workers > 1:
        # The demo's default cannot hold under several HTTP workers (one DBOS runtime a
        # process): the workflows go to `elicense worker` processes instead, and the
        # HTTP workers only enqueue. Set explicitly, the setting is refused below.
        os.environ[INPROCESS_WORKERS_ENV] = "false"
        get_settings.cache_clear()
        settings = get_settings()
        _say(
            f"--workers {args.workers}: the bundle workflows run in "
            "`elicense worker --demo` processes, not in the server"
        )
    refused = check_in_process(settings, args.workers)
    if refused is not None:
        raise UsageError(refused)
    served = served_base_url(args.host, args.port)
    if settings.demo and not os.environ.get(PUBLIC_BASE_URL_ENV):
        # Before the address is recorded and the data re-signed for it: a demo already
        # serving this data directory must not be re-pointed to a port nobody serves.
        _check_bindable(args.host, args.port)
        record_demo_address(settings.data_dir, served)  # for the demo's CLI verbs
        os.environ[PUBLIC_BASE_URL_ENV] = served  # for this process and its workers
        get_settings.cache_clear()
        settings = get_settings()
    elif not os.environ.get(PUBLIC_BASE_URL_ENV) and settings.public_base_url != served:
        # Outside demo mode the public address is the operator's to give (a proxy may
        # front this server): say where status references point instead of guessing.
        _say(
            f"status references point at {settings.public_base_url}; set "
            f"{PUBLIC_BASE_URL_ENV} to the address verifiers reach this server at"
        )
    # Demo mode migrates and seeds, once before the workers start; otherwise a schema
    # behind the head is refused, naming `elicense db upgrade` (the operator's step).
    with local_engine(settings.resolved_database_url, migrate=settings.demo) as engine:
        if settings.demo:
            prepare_database(build_services(settings, engine=engine))
        migrate_system_database(settings.resolved_database_url)  # DBOS's, for workers
        if settings.demo:
            moved = demo.repoint(engine, settings.master_key_bytes(), settings.public_base_url)
    if settings.demo:
        if moved:
            _say(f"demo: {moved} credentials re-pointed to {settings.public_base_url}")
        _say(
            f"DEMO MODE. Demo master key in {settings.data_dir}/demo-master-key; "
            f"never use it for real certificates."
        )
        _say(f"demo admin token: {admin_token(settings)}")
    where = "in this process" if settings.runs_workflows_in_process else "in `elicense worker`s"
    _say(f"bundle workflows run {where}")
    _say(f"serving on http://{args.host}:{args.port}/ (docs at /docs)")
    return settings


def _say(text: str) -> None:
    _log.info("%s", text)


@contextmanager
def _startup_log(fmt: LogFormat) -> Iterator[None]:
    """What serve says before uvicorn configures logging, in the same format on stderr
    (:mod:`wallet.server.logs`); the handler is taken off again before uvicorn's."""
    from wallet.server.logs import JsonFormatter, TextFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    _log.addHandler(handler)
    _log.setLevel(logging.INFO)
    _log.propagate = False
    try:
        yield
    finally:
        _log.removeHandler(handler)
        _log.propagate = True


@contextmanager
def _metrics_shared(workers: int) -> Iterator[None]:
    """Several workers count into files of a fresh directory (prometheus-client's
    multiprocess mode, chosen when each worker imports it), which any worker's /metrics
    sums; removed when the server stops. One worker counts in memory; a directory the
    operator set is used as it is (empty it between runs)."""
    from wallet.server.metrics import MULTIPROC_ENV

    if workers == 1 or os.environ.get(MULTIPROC_ENV):
        yield
        return
    directory = tempfile.mkdtemp(prefix="elicense-metrics-")
    os.environ[MULTIPROC_ENV] = directory  # inherited by the spawned workers
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)
