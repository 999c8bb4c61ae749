"""Online status checks against our own registry (the issuer's server is the source)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from issuers.errors import StatusUnavailable
from issuers.formats.cwt import StatusReference
from issuers.store.status_store import entry_value


class DatabaseStatusChecker:
    """Reads the entry behind a status reference that points at this server's lists.

    A direct point lookup, so a suspension or revocation shows up at once. References
    to other servers' lists are not ours to answer: ``status_unavailable``.
    """

    def __init__(self, engine: Engine, public_base_url: str) -> None:
        self._engine = engine
        self._prefix = public_base_url.rstrip("/") + "/status/"

    def status_of(self, reference: StatusReference, now: datetime) -> int:
        if not reference.uri.startswith(self._prefix):
            raise StatusUnavailable(f"the status list {reference.uri} is not published here")
        parts = reference.uri[len(self._prefix) :].split("/")
        if len(parts) != 2 or not parts[1].isdigit() or len(parts[1]) > 9:
            raise StatusUnavailable(f"{reference.uri} is not a status list address")
        with self._engine.connect() as conn:
            value = entry_value(conn, parts[0], int(parts[1]), reference.idx)
        if value is None:
            raise StatusUnavailable(f"no entry {reference.idx} in {reference.uri}")
        return value
