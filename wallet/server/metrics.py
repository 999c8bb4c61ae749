"""``GET /metrics``: the Prometheus text format (https://prometheus.io/docs/instrumenting/exposition_formats/).

What is counted and how it is labelled: :mod:`issuers.metrics`. Here the shell adds:

* :class:`RequestMetrics`, a pure ASGI middleware: one count and one latency per
  request, labelled by the route *template* the router matched (``/issuers/{uscc}``,
  ``unmatched`` when none did), never the raw path;
* the bundle queues' depth, read from DBOS's tables at scrape time
  (:class:`~wallet.bundles.engine.queue_depth.QueueDepth`);
* the workers' sum: under ``PROMETHEUS_MULTIPROC_DIR`` (``elicense serve --workers N``
  sets it) a scrape reads every worker's files (prometheus-client's
  ``MultiProcessCollector``), whichever worker answers it.

Who may read it: the bearer of ``ELICENSE_METRICS_TOKEN`` (a read-only token for the
scraper, so its configuration never holds a token that can mint) or of the admin token.
Without either configured, nobody: a 401 as for any wrong token. The figures carry no
personal data, but they are the service's volumes (mints per province, pulls), which
are not public.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from issuers.error_schema import error_responses
from issuers.errors import Unauthorized
from issuers.metrics.prometheus import Metrics
from wallet.bundles.engine.queue_depth import QueueDepth
from wallet.server.wiring import Services

__all__ = ["MULTIPROC_ENV", "QueueCollector", "RequestMetrics", "install", "scrape"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"
_FORMATS = {  # the text format by default, OpenMetrics when the scraper asks for it
    "text/plain": {"schema": {"type": "string"}},
    "application/openmetrics-text": {"schema": {"type": "string"}},
}
_log = logging.getLogger("elicense.metrics")
_bearer = HTTPBearer(
    auto_error=False, scheme_name="MetricsBearer", description="Metrics token or admin token"
)


class RequestMetrics:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            self.metrics.request(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )


def route_template(scope: Scope) -> str:
    """The path template of the route the router matched, or ``unmatched``.

    FastAPI's routes leave themselves in ``scope["route"]``; a mount (static files)
    leaves its prefix in ``root_path``, read as ``<prefix>/{path}``; a plain Starlette
    route (``/openapi.json``) only its endpoint, and its path is its template when it
    took no parameter."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path or "/"
    if "endpoint" not in scope:
        return UNMATCHED
    prefix = str(scope.get("root_path", ""))[len(str(scope.get("app_root_path", ""))) :]
    if prefix:
        return prefix.rstrip("/") + "/{path}"
    return UNMATCHED if scope.get("path_params") else str(scope["path"])


class QueueCollector(Collector):
    """``elicense_bundle_queue_depth{queue,status}`` read when scraped; a database
    that cannot be read leaves the metric out (logged), never fails the scrape."""

    def __init__(self, depth: QueueDepth) -> None:
        self._depth = depth

    def collect(self) -> Iterable[Metric]:
        try:
            counts = self._depth.counts()
        except SQLAlchemyError as exc:
            _log.warning("bundle queue depth unreadable: %s", type(exc).__name__)
            return []
        family = GaugeMetricFamily(
            "elicense_bundle_queue_depth",
            "Bundle workflows in DBOS's queues now: ENQUEUED (waiting for a worker) and"
            " PENDING (running, or an application waiting for consent or its submission).",
            labels=("queue", "status"),
        )
        for count in counts:
            family.add_metric((count.queue, count.status), count.count)
        return [family]


def scrape(metrics: Metrics, queues: Collector | None, accept: str = "") -> tuple[bytes, str]:
    """(body, content type): this process's registry, or every worker's files, in the
    format the scraper asked for (``Accept``: the text format, or OpenMetrics)."""
    encode, content_type = choose_encoder(accept)
    registry = CollectorRegistry()
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry.register(metrics.registry)  # read through, as any collector
    if queues is not None:
        registry.register(queues)
    return encode(registry), content_type


def install(app: FastAPI, services: Services, admin_token: str | None) -> Callable[[], None]:
    """The middleware and ``GET /metrics`` (read with ``ELICENSE_METRICS_TOKEN`` or the
    admin token); returns what the app's shutdown calls (the queue reader's close)."""
    settings = services.settings
    tokens = [admin_token] if admin_token else []
    if settings.metrics_token is not None:
        tokens.append(settings.metrics_token.get_secret_value())
    try:
        queues: QueueDepth | None = QueueDepth(settings.resolved_database_url, services.engine)
    except ValueError:  # SQLite in memory: no workflows, no queues
        queues = None
    collector = QueueCollector(queues) if queues is not None else None
    app.add_middleware(RequestMetrics, metrics=services.metrics)
    app.include_router(_router(services.metrics, collector, tokens))
    return queues.close if queues is not None else lambda: None


def _router(metrics: Metrics, collector: Collector | None, tokens: list[str]) -> APIRouter:
    router = APIRouter(tags=["ops"])

    def require_reader(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        given = (credentials.credentials if credentials is not None else "").encode()
        if not any(hmac.compare_digest(given, token.encode()) for token in tokens):
            raise Unauthorized("a valid metrics or issuer administration bearer token is required")

    @router.get(
        METRICS_PATH,
        summary="Prometheus metrics",
        description="The Prometheus text format; bearer ELICENSE_METRICS_TOKEN or the admin token.",
        response_class=Response,
        dependencies=[Depends(require_reader)],
        responses={200: {"content": _FORMATS}, **error_responses(401)},
    )
    def read_metrics(request: Request) -> Response:
        body, content_type = scrape(metrics, collector, request.headers.get("accept", ""))
        return Response(body, headers={"Content-Type": content_type})

    return router
