"""The consent store: transactions for the service, and every statement in them.

The service opens a transaction (:meth:`ConsentStore.reading` or
:meth:`ConsentStore.writing`) and passes its connection to each call, so an approval,
the share it prepares and its audit entry commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime

from sqlalchemy import Connection, Engine

from issuers.store.database import write_transaction
from wallet.consent.records import ConsentRequest, Delegation, ValidCertificate
from wallet.consent.store import _delegation_queries as dq
from wallet.consent.store import _queries as q


class ConsentStore:
    """Requests, parties, asks and delegations in the database (the service's
    :class:`~wallet.consent.service.ConsentRecords`)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def reading(self) -> AbstractContextManager[Connection]:
        return _read(self._engine)

    def writing(self) -> AbstractContextManager[Connection]:
        return write_transaction(self._engine)

    # -- requests ---------------------------------------------------------------------

    def insert_request(self, conn: Connection, request: ConsentRequest) -> None:
        q.insert_request(conn, request)

    def request(
        self, conn: Connection, request_id: str, *, lock: bool = False
    ) -> ConsentRequest | None:
        if not _storable(request_id):
            return None  # names no request, as a missing id (PostgreSQL refuses NUL)
        found = q.requests(conn, [request_id], lock=lock)
        return found[0] if found else None

    def requests_naming(
        self, conn: Connection, holder_codes: Iterable[str]
    ) -> list[ConsentRequest]:
        return q.requests(conn, q.request_ids_naming(conn, holder_codes))

    def approved_by_delegate(
        self, conn: Connection, owner: str, delegate: str
    ) -> list[ConsentRequest]:
        """Open requests where ``delegate`` approved ``owner``'s party, locked."""
        return q.requests(
            conn, q.request_ids_approved_by_delegate(conn, owner, delegate), lock=True
        )

    def set_decision(
        self, conn: Connection, request_id: str, holder_code: str, decision: str,
        via: str, by: str, now: datetime,
    ) -> None:  # fmt: skip
        q.set_decision(conn, request_id, holder_code, decision, via, by, now)

    def set_state(
        self, conn: Connection, request_id: str, state: str, *, by: str | None = None,
        now: datetime | None = None,
    ) -> None:  # fmt: skip
        q.set_state(conn, request_id, state, by=by, now=now)

    def take_use(self, conn: Connection, request_id: str) -> bool:
        return q.take_use(conn, request_id)

    def withdraw(self, conn: Connection, request_id: str, now: datetime) -> bool:
        return q.withdraw(conn, request_id, now)

    # -- certificates (the issuers' tables, read) ----------------------------------------

    def valid_certificates(
        self, conn: Connection, holder_code: str, type_slugs: Iterable[str], today: date
    ) -> Sequence[ValidCertificate]:
        return q.valid_certificates(conn, holder_code, type_slugs, today)

    # -- delegations -------------------------------------------------------------------

    def lock_delegations_of(self, conn: Connection, owner: str) -> None:
        """Until the transaction ends, no other grant by ``owner`` checks or inserts."""
        dq.lock_delegations_of(conn, owner)

    def insert_delegation(self, conn: Connection, delegation: Delegation) -> None:
        dq.insert_delegation(conn, delegation)

    def delegations_of(self, conn: Connection, citizen: str) -> Sequence[Delegation]:
        return dq.delegations_of(conn, citizen)

    def revoke_delegation(
        self, conn: Connection, delegation_id: str, owner: str, now: datetime
    ) -> bool:
        return _storable(delegation_id) and dq.revoke_delegation(conn, delegation_id, owner, now)


def _storable(text: str) -> bool:
    """An id from a URL or a form can hold NUL, which no id of ours holds and a
    PostgreSQL text parameter refuses (an error, not "no row"): it names nothing."""
    return "\x00" not in text


@contextmanager
def _read(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        yield conn
