"""What the service counts, for Prometheus (https://prometheus.io/docs/concepts/data_model/).

Features record through a :class:`Recorder` they are handed (the clock's way: injected,
never looked up), so a test reads the very counters a request moved and a process that
serves nothing (the CLI, the offline verifier) records into :data:`NOTHING`.
:class:`~issuers.metrics.prometheus.Metrics` is the one real recorder, over
prometheus-client, imported only where /metrics is served.

Every label is of low cardinality: a route *template*, never a raw path; a stable error
code from the one error tree; a certificate type slug; a province (two digits of the
issuer's registration region, GB 32100 characters 3-4); a bundle and item code from the
definition files. Never an id, a name or a token.

Under ``elicense serve --workers N`` prometheus-client's multiprocess mode keeps each
worker's values in files under ``PROMETHEUS_MULTIPROC_DIR`` (chosen when the library is
imported, so ``serve`` sets it before the workers start); the scrape sums them
(:mod:`wallet.server.metrics`).
"""

from __future__ import annotations

from typing import Final, Protocol

__all__ = ["NOTHING", "Recorder", "province_of"]


class Recorder(Protocol):
    """What a feature may record. ``code``/``outcome``/``event`` are stable codes."""

    def verdict(self, channel: str, code: str | None) -> None:
        """A verification answered over ``channel`` (api, image, inspector); ``code`` is
        the verdict's error code, None when valid."""
        ...

    def minted(self, type_slug: str, issuer_uscc: str, count: int = 1) -> None: ...

    def pulled(self, outcome: str) -> None:
        """A pull under a grant: ``ok`` or the refusal's error code."""
        ...

    def bundle_item(self, bundle: str, item: str, event: str) -> None:
        """An item's step: started, succeeded, rejected or failed."""
        ...

    def consent_decided(self, state: str) -> None:
        """A citizen decided a request; ``state`` is the request's stored state after."""
        ...


class _Unrecorded:
    """Records nothing: processes that serve no /metrics."""

    def verdict(self, channel: str, code: str | None) -> None:
        pass

    def minted(self, type_slug: str, issuer_uscc: str, count: int = 1) -> None:
        pass

    def pulled(self, outcome: str) -> None:
        pass

    def bundle_item(self, bundle: str, item: str, event: str) -> None:
        pass

    def consent_decided(self, state: str) -> None:
        pass


NOTHING: Final[Recorder] = _Unrecorded()


def province_of(issuer_uscc: str) -> str:
    """The province an issuer registered in: GB 32100 characters 3-8 are the
    registering authority's GB/T 2260 region code; its first two digits name the
    province (``310000`` for Shanghai). ``unknown`` for anything else."""
    head = issuer_uscc[2:4]
    return head + "0000" if len(head) == 2 and head.isascii() and head.isdigit() else "unknown"
