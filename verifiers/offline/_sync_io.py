"""One sync's input and output: its fetches, within the deadline, and its report.

The passes that decide what to fetch and what to store are in
:mod:`verifiers.offline.sync`; this is what every step of them shares. Each fetch asks
the injected function (``fetch(url, headers) -> body``), but none once the deadline
has passed, and a fetch that fails because the deadline cut it off is
:class:`~issuers.errors.SyncStopped`, not a failure of that one step.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from issuers.errors import SyncStopped
from verifiers.offline.cache import CacheDir
from verifiers.offline.fetch import Deadline, Fetch, FetchFailed
from verifiers.offline.report import Outcome, SyncItem, SyncReport

__all__ = ["FETCH_ERRORS", "JSON", "SyncIO"]

JSON = "application/json"
FETCH_ERRORS = (FetchFailed, OSError)


class SyncIO:
    """The cache written to, the sync's clock, its fetches and its report."""

    def __init__(self, cache: CacheDir, now: datetime, fetch: Fetch, deadline: Deadline) -> None:
        self.cache, self.now = cache, now
        self._fetch, self._deadline = fetch, deadline
        self.report = SyncReport()
        self.server = ""  # the one being synced, for the report

    def fetch(self, url: str, headers: dict[str, str]) -> bytes:
        """The injected fetch, within the deadline: once it is spent, :class:`SyncStopped`."""
        if self._deadline.expired():
            raise SyncStopped(f"sync stopped before {url}: {self._deadline.explain()}")
        try:
            return self._fetch(url, headers)
        except FETCH_ERRORS:
            if self._deadline.expired():  # cut off by the deadline, not the server's doing
                raise SyncStopped(f"sync stopped at {url}: {self._deadline.explain()}") from None
            raise

    def note(
        self,
        server: str,
        kind: str,
        name: str,
        outcome: Outcome,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        """Every item is reported, stored or not: a sync that says nothing proves nothing."""
        self.report.items.append(SyncItem(server, kind, name, outcome, code, message))

    def get_json(self, server: str, kind: str, url: str) -> list[Any] | None:
        """A listing's JSON array, or None, noted as failed, so the pass goes on without it."""
        try:
            value = json.loads(self.fetch(url, {"Accept": JSON}).decode("utf-8"))
        except FETCH_ERRORS as exc:
            self.note(server, kind, url, "failed", "fetch_failed", str(exc))
            return None
        except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON; "[[[[..." nesting
            self.note(server, kind, url, "failed", "malformed", f"not JSON: {exc}")
            return None
        if not isinstance(value, list):
            self.note(server, kind, url, "failed", "malformed", "not a JSON array")
            return None
        return value
