"""The one real :class:`~issuers.metrics.Recorder`: prometheus-client counters and the
HTTP latency histogram, on a registry of its own (two apps in one test process never
share a counter). Imported by the processes that serve ``/metrics`` only: the verifying
core and the offline verifier never load prometheus-client."""

from __future__ import annotations

from typing import Final

from prometheus_client import CollectorRegistry, Counter, Histogram

from issuers.metrics import province_of

__all__ = ["HTTP_METHODS", "LATENCY_BUCKETS", "Metrics"]

HTTP_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds; finer than the library's default at the low end, where a verify lives.
LATENCY_BUCKETS: Final = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip


class Metrics:
    """The counters and the latency histogram of one process (prometheus-client)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        reg = self.registry
        self._requests = Counter(
            "elicense_http_requests", "HTTP requests answered, by method, route template"
            " and status code.", ("method", "route", "status"), registry=reg,
        )  # fmt: skip
        self._latency = Histogram(
            "elicense_http_request_duration_seconds", "Time to answer a request, by method"
            " and route template.", ("method", "route"), buckets=LATENCY_BUCKETS, registry=reg,
        )  # fmt: skip
        self._verdicts = Counter(
            "elicense_verdicts", "Verdicts given, by channel (api: POST /verify, image:"
            " POST /verify/image, inspector: the page) and code (valid or the error code).",
            ("channel", "code"), registry=reg,
        )  # fmt: skip
        self._mints = Counter(
            "elicense_certificates_minted", "Certificates minted (each of a batch, each"
            " re-issue), by type and the issuer's province.", ("type", "province"), registry=reg,
        )  # fmt: skip
        self._pulls = Counter(
            "elicense_pulls", "Pulls under grants, by outcome (ok or the refusal's code).",
            ("outcome",), registry=reg,
        )  # fmt: skip
        self._items = Counter(
            "elicense_bundle_items", "Bundle item steps run in this process, by bundle, item"
            " and event (started, succeeded, rejected, failed).", ("bundle", "item", "event"),
            registry=reg,
        )  # fmt: skip
        self._decisions = Counter(
            "elicense_consent_decisions", "Citizens' consent decisions, by the request's"
            " stored state after (pending: others must still approve).", ("state",),
            registry=reg,
        )  # fmt: skip
        # A request records through cached children: labels() takes a lock and hashes.
        self._observers: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One HTTP request answered (the ASGI middleware calls this)."""
        method = method if method in HTTP_METHODS else "other"  # a client may send any
        key = (method, route, status)
        pair = self._observers.get(key)
        if pair is None:
            counter = self._requests.labels(method, route, str(status))
            pair = self._observers.setdefault(key, (counter, self._latency.labels(method, route)))
        pair[0].inc()
        pair[1].observe(seconds)

    def verdict(self, channel: str, code: str | None) -> None:
        self._verdicts.labels(channel, code or "valid").inc()

    def minted(self, type_slug: str, issuer_uscc: str, count: int = 1) -> None:
        self._mints.labels(type_slug, province_of(issuer_uscc)).inc(count)

    def pulled(self, outcome: str) -> None:
        self._pulls.labels(outcome).inc()

    def bundle_item(self, bundle: str, item: str, event: str) -> None:
        self._items.labels(bundle, item, event).inc()

    def consent_decided(self, state: str) -> None:
        self._decisions.labels(state).inc()
