"""The citizen's side of consent: pending requests with a preview of exactly what
would be shared, approve, deny, revoke, and the active grants.

A citizen sees and acts on a request only for a party they stand for
(:mod:`wallet.consent.standing`); any other request is NotFound, the same answer as
one that does not exist. Acting for someone else without a proven relation or a
covering delegation is RelationUnproven, decided before the request is looked up, so
it reveals nothing about any request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from issuers.catalogue import CATALOGUE
from issuers.clock import CHINA_STANDARD_TIME, Clock
from issuers.codes import parse_resident_id
from issuers.errors import CertificateMissing, Conflict, NotFound, RelationUnproven
from wallet.audit.records import AuditTrail
from wallet.consent.events import decision_event, delegation_event
from wallet.consent.guardianship import is_minor
from wallet.consent.items import BundleItem
from wallet.consent.ports import ConsentRecords
from wallet.consent.preview import shared_values
from wallet.consent.records import ChosenCertificate, ConsentRequest, Party, SharePreparer, Via
from wallet.consent.standing import Standing, standing_of

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["AskPreview", "CitizenConsent", "PartyPreview", "RequestView"]


@dataclass(frozen=True, slots=True)
class AskPreview:
    """One asked type: the certificate that would be shared, or None (missing)."""

    type_slug: str
    claims: tuple[str, ...]
    certificate: ChosenCertificate | None


@dataclass(frozen=True, slots=True)
class PartyPreview:
    party: Party
    via: Via
    asks: tuple[AskPreview, ...]


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request as one citizen sees it: the parties they act for, previewed."""

    request: ConsentRequest
    item: BundleItem
    state: str
    mine: tuple[PartyPreview, ...]


class CitizenConsent:
    def __init__(
        self,
        records: ConsentRecords,
        items: Mapping[str, BundleItem],
        audit: AuditTrail,
        clock: Clock,
        preparer: SharePreparer,
    ) -> None:
        self._records = records
        self._items = items
        self._audit = audit
        self._clock = clock
        self.preparer = preparer

    # -- reading ------------------------------------------------------------------------

    def pending(self, citizen: str) -> list[RequestView]:
        """Requests awaiting a decision the citizen may make (self, guardian, delegate)."""
        now = self._clock()
        with self._records.reading() as conn:
            standing = standing_of(self._records, conn, citizen, now)
            return [
                self._view(conn, request, standing, now, preview=False)
                for request in self._records.requests_naming(conn, standing.holders)
                if request.state_at(now) == "pending"
                and any(
                    p.decision == "pending" and standing.via(p, request, now)
                    for p in request.parties
                )
            ]

    def grants(self, citizen: str) -> list[RequestView]:
        """Active grants naming the citizen or a minor they are the guardian of."""
        now = self._clock()
        with self._records.reading() as conn:
            standing = standing_of(self._records, conn, citizen, now)
            return [
                self._view(conn, request, standing, now, preview=False)
                for request in self._records.requests_naming(conn, standing.holders)
                if request.state_at(now) == "active"
                and any(standing.may_decide_finally(p) for p in request.parties)
            ]

    def detail(self, citizen: str, request_id: str) -> RequestView:
        now = self._clock()
        with self._records.reading() as conn:
            standing = standing_of(self._records, conn, citizen, now)
            request = self._records.request(conn, request_id)
            if request is None or not _visible(request, standing, now):
                raise NotFound("no such authorisation request", field="id")
            return self._view(conn, request, standing, now, preview=True)

    # -- deciding -------------------------------------------------------------------------

    def approve(
        self,
        citizen: str,
        request_id: str,
        *,
        on_behalf_of: str | None = None,
        key_binding_signatures: Mapping[str, str] | None = None,
    ) -> RequestView:
        now = self._clock()
        with self._records.writing() as conn:
            standing, holder = self._stand(conn, citizen, on_behalf_of, now, final=False)
            request, party = self._pending_party(conn, request_id, holder, now)
            via = standing.via(party, request, now)
            if via is None:  # a delegation that does not cover every asked type
                raise RelationUnproven("no delegation covers every type this party is asked for")
            chosen = self._choose(conn, party, now)
            self.preparer.prepare(
                conn, request, party.holder_code, chosen, now,
                key_binding_signatures=key_binding_signatures or {},
            )  # fmt: skip
            self._records.set_decision(conn, request.id, holder, "approved", via, citizen, now)
            if all(p.decision == "approved" for p in request.parties if p is not party):
                self._records.set_state(conn, request.id, "approved")
            self._audit.append(
                conn, decision_event("request_approved", request, party, via, citizen), now
            )
            if via == "delegate":
                for delegation in standing.delegations_for(party, request, now):
                    self._audit.append(
                        conn, delegation_event("delegation_used", delegation, request), now
                    )
            return self._reread(conn, request.id, standing, now)

    def approval_in(
        self, conn: Connection, citizen: str, request_id: str, *, on_behalf_of: str | None,
        now: datetime,
    ) -> tuple[ConsentRequest, str, list[ChosenCertificate]]:  # fmt: skip
        """What ``citizen``'s approval would share, checked as :meth:`approve` checks it:
        the request, the party holder and the chosen certificates. The shares feature's
        prepare step for a device key (wallet.consent.pull_api) runs on it."""
        standing, holder = self._stand(conn, citizen, on_behalf_of, now, final=False)
        request, party = self._pending_party(conn, request_id, holder, now)
        if standing.via(party, request, now) is None:
            raise RelationUnproven("no delegation covers every type this party is asked for")
        return request, party.holder_code, self._choose(conn, party, now)

    def deny(
        self, citizen: str, request_id: str, *, on_behalf_of: str | None = None
    ) -> RequestView:
        now = self._clock()
        with self._records.writing() as conn:
            standing, holder = self._stand(conn, citizen, on_behalf_of, now, final=True)
            request, party = self._pending_party(conn, request_id, holder, now)
            via: Via = "self" if holder == citizen else "guardian"
            self._records.set_decision(conn, request.id, holder, "denied", via, citizen, now)
            self._records.set_state(conn, request.id, "denied")
            self._audit.append(
                conn, decision_event("request_denied", request, party, via, citizen), now
            )
            return self._reread(conn, request.id, standing, now)

    def revoke(
        self, citizen: str, grant_id: str, *, on_behalf_of: str | None = None
    ) -> RequestView:
        """Any party (or their guardian) revokes: the grant stops for everyone at once."""
        now = self._clock()
        with self._records.writing() as conn:
            standing, holder = self._stand(conn, citizen, on_behalf_of, now, final=True)
            request = self._records.request(conn, grant_id, lock=True)
            party = None if request is None else request.party(holder)
            if request is None or party is None:
                raise NotFound("no such grant", field="id")
            if request.stored_state in ("revoked", "denied", "withdrawn"):
                raise Conflict(f"the grant is already {request.stored_state}", field="id")
            via: Via = "self" if holder == citizen else "guardian"
            self._records.set_decision(conn, request.id, holder, "revoked", via, citizen, now)
            self._records.set_state(conn, request.id, "revoked", by=citizen, now=now)
            others = [p.holder_code for p in request.parties]
            event = decision_event("grant_revoked", request, party, via, citizen, others)
            self._audit.append(conn, event, now)
            return self._reread(conn, request.id, standing, now)

    # -- helpers --------------------------------------------------------------------------

    def _stand(
        self,
        conn: Connection,
        citizen: str,
        on_behalf_of: str | None,
        now: datetime,
        *,
        final: bool,
    ) -> tuple[Standing, str]:
        """The citizen's standing and the holder acted for; RelationUnproven when the
        citizen may not act for that holder at all (checked before any request is read)."""
        standing = standing_of(self._records, conn, citizen, now)
        holder = (
            citizen
            if on_behalf_of is None
            else parse_resident_id(on_behalf_of, field="on_behalf_of").value
        )
        if holder == citizen or holder in standing.minors:
            return standing, holder
        if not final and any(d.owner_code == holder for d in standing.received):
            return standing, holder
        why = (
            "is a minor and no certificate here proves you are their parent"
            if is_minor(holder, now)
            else "has not delegated this to you"
        )
        raise RelationUnproven(f"the holder {why}", field="on_behalf_of")

    def _pending_party(
        self, conn: Connection, request_id: str, holder: str, now: datetime
    ) -> tuple[ConsentRequest, Party]:
        request = self._records.request(conn, request_id, lock=True)
        party = None if request is None else request.party(holder)
        if request is None or party is None:
            raise NotFound("no such authorisation request", field="id")
        state = request.state_at(now)
        if state != "pending":
            why = f"the request is {state}; it can no longer be decided"
            raise Conflict(why, field="id", details={"state": state})
        if party.decision != "pending":
            raise Conflict(f"this party has already {party.decision}", field="id")
        return request, party

    def _choose(self, conn: Connection, party: Party, now: datetime) -> list[ChosenCertificate]:
        asks = self._asks(conn, party, now)
        missing = [a.type_slug for a in asks if a.certificate is None]
        if missing:
            names = "、".join(CATALOGUE[slug].name_zh for slug in missing)
            raise CertificateMissing(
                f"no valid {names} to share", field=f"certificates.{missing[0]}", details=missing
            )
        return [a.certificate for a in asks if a.certificate is not None]

    def _asks(self, conn: Connection, party: Party, now: datetime) -> tuple[AskPreview, ...]:
        today = now.astimezone(CHINA_STANDARD_TIME).date()
        previews = []
        for slug, claims in party.asks.items():
            found = self._records.valid_certificates(conn, party.holder_code, [slug], today)
            chosen = None
            if found:
                newest = found[0]
                chosen = ChosenCertificate(
                    identifier=newest.identifier,
                    type_slug=slug,
                    issuer_uscc=newest.issuer_uscc,
                    issued_at=newest.issued_at,
                    claims=claims,
                    values=shared_values(newest.fields, claims),
                )
            previews.append(AskPreview(slug, claims, chosen))
        return tuple(previews)

    def _view(
        self, conn: Connection, request: ConsentRequest, standing: Standing, now: datetime,
        *, preview: bool,
    ) -> RequestView:  # fmt: skip
        mine = []
        for party in request.parties:
            via = standing.via(party, request, now)
            if via is None and not standing.may_decide_finally(party):
                continue
            asks = self._asks(conn, party, now) if preview else ()
            mine.append(PartyPreview(party, via or "self", asks))
        item = self._items[request.bundle_item]
        return RequestView(request, item, request.state_at(now), tuple(mine))

    def _reread(
        self, conn: Connection, request_id: str, standing: Standing, now: datetime
    ) -> RequestView:
        request = self._records.request(conn, request_id)
        assert request is not None
        return self._view(conn, request, standing, now, preview=False)


def _visible(request: ConsentRequest, standing: Standing, now: datetime) -> bool:
    return any(
        standing.via(p, request, now) is not None or standing.may_decide_finally(p)
        for p in request.parties
    )
