"""A holder authorises another citizen to use one of their certificates (issue 10,
item 3: the father authorises his ID card to the mother for the newborn bundle).

The delegate may then approve requests that ask the owner for that type only (for one
bundle item, or any); every grant, revocation and use is in the audit log with the
owner among its readers, so the owner sees each use. Only the owner revokes; a
delegation that is not the owner's to revoke is NotFound, as a missing one is.
Revoking also revokes, in the same transaction, every grant still active or pending
that the delegate approved under it: the owner withdraws what the delegate did too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from issuers.catalogue import CATALOGUE
from issuers.clock import Clock
from issuers.codes import parse_resident_id
from issuers.errors import Conflict, InvalidInput, NotFound
from wallet.audit.records import AuditTrail
from wallet.consent.events import decision_event, delegation_event
from wallet.consent.guardianship import ADULT_AGE, is_minor
from wallet.consent.ids import new_id
from wallet.consent.items import BundleItem
from wallet.consent.ports import ConsentRecords
from wallet.consent.records import ConsentRequest, Delegation

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["MAX_DELEGATION", "Delegations"]

MAX_DELEGATION = timedelta(days=366)


class Delegations:
    def __init__(
        self,
        records: ConsentRecords,
        items: Mapping[str, BundleItem],
        audit: AuditTrail,
        clock: Clock,
    ) -> None:
        self._records = records
        self._items = items
        self._audit = audit
        self._clock = clock

    def grant(
        self,
        owner: str,
        delegate_id_number: str,
        type_slug: str,
        expires_at: datetime,
        bundle_item: str | None = None,
    ) -> Delegation:
        now = self._clock()
        delegate = parse_resident_id(delegate_id_number, field="delegate_id_number").value
        if delegate == owner:
            raise InvalidInput("you cannot delegate to yourself", field="delegate_id_number")
        if is_minor(delegate, now):
            # A minor cannot consent for themselves (民法典 第十九条), let alone for another.
            raise InvalidInput(
                f"a delegate must be {ADULT_AGE} or over", field="delegate_id_number"
            )
        if type_slug not in CATALOGUE:
            raise InvalidInput(f"no certificate type {type_slug!r}", field="type_slug")
        if bundle_item is not None and bundle_item not in self._items:
            raise InvalidInput(f"no bundle item {bundle_item!r}", field="bundle_item")
        if expires_at.tzinfo is None:
            raise InvalidInput("expires_at needs a UTC offset", field="expires_at")
        if not now < expires_at <= now + MAX_DELEGATION:
            raise InvalidInput(
                f"a delegation must end in the future and within {MAX_DELEGATION.days} days",
                field="expires_at",
            )
        delegation = Delegation(
            id=new_id(),
            owner_code=owner,
            delegate_code=delegate,
            type_slug=type_slug,
            bundle_item=bundle_item,
            expires_at=expires_at,
            created_at=now,
            revoked_at=None,
        )
        with self._records.writing() as conn:
            self._records.lock_delegations_of(conn, owner)
            if any(
                _same(d, delegation) and d.active_at(now)
                for d in self._records.delegations_of(conn, owner)
            ):
                # Two standing copies: revoking one would leave the other in force.
                raise Conflict(
                    "you already delegate this certificate type to this citizen for this item"
                )
            self._records.insert_delegation(conn, delegation)
            self._audit.append(conn, delegation_event("delegation_granted", delegation), now)
        return delegation

    def of(self, citizen: str) -> list[Delegation]:
        """Every delegation the citizen gave or received, newest first."""
        with self._records.reading() as conn:
            return list(self._records.delegations_of(conn, citizen))

    def revoke(self, owner: str, delegation_id: str) -> Delegation:
        now = self._clock()
        with self._records.writing() as conn:
            given = {d.id: d for d in self._records.delegations_of(conn, owner)}
            found = given.get(delegation_id)
            if found is None or found.owner_code != owner:
                raise NotFound("no such delegation", field="id")
            if not self._records.revoke_delegation(conn, delegation_id, owner, now):
                return found  # already revoked: revoking again changes nothing
            self._audit.append(conn, delegation_event("delegation_revoked", found), now)
            self._revoke_grants_under(conn, found, now)
        return dataclasses.replace(found, revoked_at=now)

    def _revoke_grants_under(self, conn: Connection, delegation: Delegation, now: datetime) -> None:
        """Revoke each grant, active or pending, whose owner's party the delegate approved
        under ``delegation`` (its type asked, its item covered, approved while it stood),
        audited as ``grant_revoked`` with the reason, readable by every party and the
        delegate."""
        owner = delegation.owner_code
        for request in self._records.approved_by_delegate(conn, owner, delegation.delegate_code):
            if not _approved_under(request, delegation, now):
                continue
            party = request.party(owner)
            assert party is not None
            self._records.set_decision(conn, request.id, owner, "revoked", "self", owner, now)
            self._records.set_state(conn, request.id, "revoked", by=owner, now=now)
            readers = [*(p.holder_code for p in request.parties), delegation.delegate_code]
            event = decision_event("grant_revoked", request, party, "self", owner, readers)
            reasoned = dataclasses.replace(
                event, summary={**event.summary, "reason": "delegation revoked"}
            )
            self._audit.append(conn, reasoned, now)


def _approved_under(request: ConsentRequest, delegation: Delegation, now: datetime) -> bool:
    party = request.party(delegation.owner_code)
    return (
        request.state_at(now) in ("pending", "active")
        and party is not None
        and delegation.type_slug in party.asks
        and delegation.bundle_item in (None, request.bundle_item)
        and party.decided_at is not None
        and delegation.created_at <= party.decided_at
    )


def _same(one: Delegation, other: Delegation) -> bool:
    return (one.owner_code, one.delegate_code, one.type_slug, one.bundle_item) == (
        other.owner_code,
        other.delegate_code,
        other.type_slug,
        other.bundle_item,
    )
