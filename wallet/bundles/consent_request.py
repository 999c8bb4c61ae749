"""An application's one consent request: its id, and taking it back once the application
is cancelled.

The id is derived from the application's (:func:`consent_request_id`), so a step run
again after a crash between making the request and recording it finds the request it
made instead of asking the citizens twice; and a withdrawal finds the request even when
the application never recorded it.

A cancelled application (by its applicant, :meth:`wallet.bundles.service.BundleService.
cancel`; or lapsed, never submitted in time) has no use for its request: pending, the
citizens would still be asked to approve it; granted, it would still allow pulls.
:func:`withdraw_if_cancelled` withdraws it through the consent service (the bundle's
service client is the requester), which audits it and takes it out of the citizens'
wallets. Safe to repeat: withdrawing again, or a request already decided, changes
nothing, and the application's timeline gains its line (``consent_withdrawn``) only
when this call withdrew it. It does nothing for an application not cancelled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from issuers.clock import Clock
from issuers.errors import NotFound
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.consent.records import Withdrawal

if TYPE_CHECKING:
    from wallet.bundles.store import BundleStore

__all__ = ["ConsentWithdrawing", "consent_request_id", "withdraw_if_cancelled"]

WITHDRAWN_ZH = "用证授权请求已随申请撤回，当事人无需再处理"


class ConsentWithdrawing(Protocol):
    """The consent service's withdrawal (:meth:`wallet.consent.service.ConsentService.
    withdraw`)."""

    def withdraw(self, client_id: str, request_id: str) -> Withdrawal: ...


def consent_request_id(application_id: str) -> str:
    """The id of the application's one consent request, derived from the application's
    (32 hex characters): a step run again after a crash between making the request and
    recording it finds the request it made instead of asking the citizens twice."""
    return hashlib.sha256(f"elicense-bundle-consent:{application_id}".encode()).hexdigest()[:32]


def withdraw_if_cancelled(
    store: BundleStore,
    definitions: Mapping[str, BundleDefinition],
    consent: ConsentWithdrawing,
    clock: Clock,
    application_id: str,
) -> bool:
    """Withdraw the request of a cancelled application; True when this call did."""
    with store.reading() as conn:
        application = store.application(conn, application_id)
    if application is None or application.state != "cancelled":
        return False
    definition = definitions.get(application.bundle)
    if definition is None:
        return False
    request_id = application.consent_request_id or consent_request_id(application_id)
    try:
        withdrawal = consent.withdraw(definition.service_client, request_id)
    except NotFound:
        return False  # nothing was asked: every certificate was presented, or not yet
    if not withdrawal.changed:
        return False
    with store.writing() as conn:
        store.add_event(conn, application_id, clock(), "consent_withdrawn", WITHDRAWN_ZH)
    return True
