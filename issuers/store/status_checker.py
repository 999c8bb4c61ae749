"""Online status checks against our own registry (the issuer's server is the source)."""

from __future__ import annotations

from datetime import datetime
from time import monotonic

from sqlalchemy import Engine

from issuers.errors import NotFound, StatusUnavailable
from issuers.formats.cwt import StatusReference
from issuers.formats.status_list import StatusList
from issuers.registry import IssuerInfo
from issuers.store.status_store import list_entries


class DatabaseStatusChecker:
    """Answers status references that point at this server's lists.

    Each list is read whole (its non-valid entries: a handful of rows) and held for
    ``max_age_seconds`` of monotonic time, so a check is a 2-bit read rather than a
    database round trip (measured here: 2.8x a verify without caching). A suspension or
    revocation reaches every worker's check within ``max_age_seconds``; 0 reads the
    registry every time. References to other servers' lists: ``status_unavailable``
    (:meth:`publishes` says which ones are ours, for a verifier that routes the others
    elsewhere). A list here is one issuer's (``/status/{uscc}/{n}``): a credential of
    another issuer pointing at it is ``status_unavailable`` too.
    """

    def __init__(self, engine: Engine, public_base_url: str, max_age_seconds: float = 1.0) -> None:
        self._engine = engine
        self._prefix = public_base_url.rstrip("/") + "/status/"
        self._max_age = max_age_seconds
        self._lists: dict[tuple[str, int], tuple[float, StatusList]] = {}

    def publishes(self, uri: str) -> bool:
        """Whether ``uri`` is under this server's ``/status/`` (well-formed or not)."""
        return uri.startswith(self._prefix)

    def status_of(self, reference: StatusReference, now: datetime, issuer: IssuerInfo) -> int:
        if not self.publishes(reference.uri):
            raise StatusUnavailable(f"the status list {reference.uri} is not published here")
        parts = reference.uri[len(self._prefix) :].split("/")
        if len(parts) != 2 or not parts[1].isdigit() or len(parts[1]) > 9:
            raise StatusUnavailable(f"{reference.uri} is not a status list address")
        if parts[0] != issuer.uscc:
            raise StatusUnavailable(
                f"the status list {reference.uri} is not that of the credential's issuer "
                f"{issuer.uscc}"
            )
        return self._list(parts[0], int(parts[1]), reference.uri).get(reference.idx)

    def _list(self, issuer_uscc: str, list_number: int, uri: str) -> StatusList:
        key = (issuer_uscc, list_number)
        cached = self._lists.get(key)
        if cached is not None and monotonic() - cached[0] < self._max_age:
            return cached[1]
        try:
            with self._engine.connect() as conn:
                row, pairs = list_entries(conn, issuer_uscc, list_number)
        except NotFound:
            raise StatusUnavailable(f"no status list at {uri}") from None
        bits = StatusList(int(row.size), bits=int(row.bits))
        for idx, value in pairs:
            bits.set(idx, value)
        self._lists[key] = (monotonic(), bits)
        return bits
