"""The consent rules a service meets: making a request, reading it back, and the grant
a pull runs under (issue 10, items 2 and 3).

A request is a usable grant only when every party approved and it is neither expired,
revoked, denied, withdrawn nor exhausted. :meth:`ConsentService.grant_for_pull` says which, with
its own refusal; :meth:`ConsentService.take_use` takes one use atomically. The citizen
side is :attr:`ConsentService.wallet` (:class:`~wallet.consent.citizen.CitizenConsent`)
and delegations are :attr:`ConsentService.delegations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from issuers.clock import Clock
from issuers.errors import (
    ConsentDenied,
    ConsentPending,
    GrantExhausted,
    GrantExpired,
    GrantRevoked,
    InvalidInput,
    NotFound,
)
from wallet.audit.records import AuditTrail
from wallet.consent.delegations import Delegations
from wallet.consent.events import request_event, withdrawal_event
from wallet.consent.items import BundleItem
from wallet.consent.listeners import DecisionListener, ListenedCitizenConsent
from wallet.consent.ports import ConsentRecords
from wallet.consent.records import (
    WITHDRAWABLE,
    ConsentRequest,
    Grant,
    NoSharePreparer,
    Requester,
    SharePreparer,
    Withdrawal,
)
from wallet.consent.requests import NewRequest, check_new_request

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Connection

__all__ = ["ConsentService"]


class ConsentService:
    """Authorisation requests and grants, for services and (through ``wallet`` and
    ``delegations``) for citizens."""

    def __init__(
        self,
        records: ConsentRecords,
        items: Mapping[str, BundleItem],
        audit: AuditTrail,
        clock: Clock,
        preparer: SharePreparer | None = None,
    ) -> None:
        self._records = records
        self._audit = audit
        self._clock = clock
        self.items = items
        self.wallet = ListenedCitizenConsent(
            records, items, audit, clock, preparer or NoSharePreparer()
        )
        self.wallet.listeners = []
        self.delegations = Delegations(records, items, audit, clock)

    def use_preparer(self, preparer: SharePreparer) -> None:
        """Plug in the shares feature's preparer (wiring builds it after this service)."""
        self.wallet.preparer = preparer

    def on_decision(self, listener: DecisionListener) -> None:
        """Call ``listener`` with the request after each citizen decision commits."""
        self.wallet.listeners.append(listener)

    # -- the service's side ---------------------------------------------------------------

    def create(self, requester: Requester, new: NewRequest) -> ConsentRequest:
        """Check and store a request; it and its audit entry commit together. With
        ``new.request_id`` creating is idempotent: a request of this requester already
        stored under that id is returned as it is (another's is InvalidInput)."""
        now = self._clock()
        request = check_new_request(new, requester, self.items, now)
        with self._records.writing() as conn:
            if new.request_id is not None:
                made = self._records.request(conn, new.request_id, lock=True)
                if made is not None and made.client_id == requester.client_id:
                    return made
                if made is not None:
                    raise InvalidInput("this request id is taken", field="request_id")
            self._records.insert_request(conn, request)
            self._audit.append(conn, request_event(request), now)
        return request

    def for_service(self, client_id: str, request_id: str) -> ConsentRequest:
        """The request if ``client_id`` made it; another service's is NotFound, the same
        answer as a missing one."""
        with self._records.reading() as conn:
            return _own(self._records.request(conn, request_id), client_id)

    def withdraw(self, client_id: str, request_id: str) -> Withdrawal:
        """The service takes back its own request: a pending one, or the active grant made
        from it, becomes ``withdrawn`` (no citizen sees it pending any more, no approval
        lands on it, no pull runs under it); the change and its audit entry
        (``request_withdrawn``) commit together. Idempotent: any other state (withdrawn
        already, denied, revoked, expired, exhausted) is returned as it is, with no entry.
        Another service's request is NotFound, as a missing one.

        Race-safe against a citizen's decision: both read the request locked (FOR UPDATE;
        SQLite's write transaction holds the database), so an approval either committed
        first (the grant it made is withdrawn here) or finds the request withdrawn and
        is refused (Conflict); the guarded UPDATE changes only a pending or approved row.
        The decision listeners are not called: it is no citizen's decision, and the one
        waiter (a bundle workflow) withdraws only once its application is cancelled
        (from inside a workflow step, where waking a workflow is not allowed)."""
        now = self._clock()
        with self._records.writing() as conn:
            request = _own(self._records.request(conn, request_id, lock=True), client_id)
            was = request.state_at(now)
            if was not in WITHDRAWABLE or not self._records.withdraw(conn, request.id, now):
                return Withdrawal(request, was)
            self._audit.append(conn, withdrawal_event(request, was), now)
            after = self._records.request(conn, request.id)
            assert after is not None
        return Withdrawal(after, was)

    def now(self) -> datetime:
        return self._clock()

    # -- pulls (the shares feature) -----------------------------------------------------

    def grant_for_pull(
        self, conn: Connection, grant_id: str, client_id: str, now: datetime
    ) -> Grant:
        """The grant a pull runs under, read locked in the caller's transaction.

        NotFound (not this client's, or none); GrantRevoked; ConsentDenied;
        GrantExpired; ConsentPending (409, names nobody); GrantExhausted. A grant its
        service withdrew is GrantRevoked (withdrawn)."""
        grant = _own(self._records.request(conn, grant_id, lock=True), client_id)
        state = grant.state_at(now)
        if state == "revoked":
            raise GrantRevoked("the grant was revoked")
        if state == "withdrawn":
            raise GrantRevoked("the request was withdrawn by the service")
        if state == "denied":
            raise ConsentDenied("consent was denied")
        if state == "expired":
            raise GrantExpired("the grant has expired")
        if state == "pending":
            raise ConsentPending("not every holder has approved yet")
        if state == "exhausted":
            raise GrantExhausted("every use of the grant has been taken")
        return grant

    def take_use(self, conn: Connection, grant_id: str) -> None:
        """Take one use, or GrantExhausted; one guarded UPDATE, so parallel pulls
        together never take more than ``max_uses``."""
        if not self._records.take_use(conn, grant_id):
            raise GrantExhausted("every use of the grant has been taken")


def _own(request: ConsentRequest | None, client_id: str) -> ConsentRequest:
    if request is None or request.client_id != client_id:
        raise NotFound("no such authorisation request", field="id")
    return request
