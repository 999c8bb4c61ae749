"""The pull: a service takes its annotated shares (加注件) under a grant.

Issue 10 item 4. ``POST /consent/grants/{id}/pull`` names the purpose, which must be
the grant's exactly (after trimming), and optionally the certificates wanted
(holder, type, claims; omitted: everything granted). In ONE transaction:

1. the grant (:meth:`ConsentService.grant_for_pull`, read locked): another service's
   is NotFound, then GrantRevoked, ConsentDenied, GrantExpired, ConsentPending,
   GrantExhausted;
2. the purpose (PurposeMismatch) and the selection (HolderNotGranted, TypeNotGranted,
   ClaimNotGranted);
3. each certificate's status *now* must be 01 (CertificateNotShareable with
   ``details.status``; one query for all), so a certificate revoked after approval is
   never shared; a narrower share of a device-bound one is refused (Conflict);
4. one use taken by a guarded UPDATE (parallel pulls cannot pass ``max_uses``);
5. the ``pull`` audit entry, whose hash is the receipt every share carries.

Then, after the commit and without the write lock (SQLite has one writer; nothing
below reads the database): each share, the SD-JWT+KB bound at approval (or narrowed,
signed by the custodial key), the platform-signed annotation
(:mod:`wallet.consent.annotation`) and the card (:mod:`wallet.consent.card_svg`).

A refused pull rolls all of that back, then appends a ``pull_refused`` entry with the
refusal's code in a transaction of its own, and raises: nothing is disclosed. A grant
that is not the caller's is not audited (its holders did not deal with this service).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from issuers.catalogue import CATALOGUE
from issuers.clock import Clock
from issuers.crypto.keys import SigningKey
from issuers.errors import (
    CertificateNotShareable,
    ConsentPending,
    ElicenseError,
    NotFound,
    PullRefused,
    PurposeMismatch,
)
from issuers.formats.sd_jwt import vct_of
from issuers.metrics import NOTHING, Recorder
from issuers.status_codes import CertificateStatus
from wallet.audit.records import AuditEvent, AuditTrail
from wallet.consent.annotation import Annotation, share_digest, sign_annotation
from wallet.consent.card_svg import render_card
from wallet.consent.events import item_name_zh
from wallet.consent.pull_selection import Selected, select
from wallet.consent.records import Grant
from wallet.consent.share_ports import CertificateStatuses
from wallet.consent.share_records import PulledShare, PullResult, WantedCertificate
from wallet.consent.shares import Narrowing, OpenedShare, ShareService

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Connection

    from wallet.consent.service import ConsentService

__all__ = ["PullService", "PullingClient"]


class PullingClient(Protocol):
    """The service pulling, as its bearer token proved it (wallet.clients' ServiceClient)."""

    @property
    def client_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def uscc(self) -> str: ...


class Transactions(Protocol):
    def writing(self) -> AbstractContextManager[Connection]: ...


class PullService:
    """Pulls under grants, and a device holder's prepare step before approving."""

    def __init__(
        self,
        transactions: Transactions,
        consent: ConsentService,
        shares: ShareService,
        statuses: CertificateStatuses,
        audit: AuditTrail,
        platform_key: SigningKey,
        clock: Clock,
        *,
        public_base_url: str,
        metrics: Recorder = NOTHING,
    ) -> None:
        self._metrics = metrics
        self._transactions = transactions
        self._consent = consent
        self._shares = shares
        self._statuses = statuses
        self._audit = audit
        self._platform_key = platform_key
        self._platform_kid = platform_key.public.kid  # five annotations a pull
        self._clock = clock
        self._base_url = public_base_url.rstrip("/")

    def pull(
        self,
        client: PullingClient,
        grant_id: str,
        purpose: str,
        wanted: Sequence[WantedCertificate] | None = None,
    ) -> PullResult:
        now = self._clock()
        try:
            with self._transactions.writing() as conn:
                taken = self._take(conn, client, grant_id, purpose, wanted, now)
        except (PullRefused, ConsentPending) as refusal:
            self._metrics.pulled(refusal.code)
            self._record_refusal(client, grant_id, refusal, now)
            raise
        self._metrics.pulled("ok")
        # The use and its audit entry are committed; what is left (signing, drawing)
        # reads nothing stored, so it runs without holding the write lock.
        grant, use = taken.grant, taken.use
        shares = tuple(
            self._annotated(client, grant, selected, share, narrowing, use, taken.receipt, now)
            for selected, share, narrowing in taken.shares
        )
        return PullResult(grant.id, now, use, max(0, grant.max_uses - use), shares)

    def prepare_device(
        self, citizen: str, request_id: str, *, on_behalf_of: str | None = None
    ) -> dict[str, str]:
        """Issue the shares a device holder's approval would make and return the KB-JWT
        signing inputs, ``{identifier: base64url}``, for the device to sign."""
        now = self._clock()
        with self._transactions.writing() as conn:
            request, holder, chosen = self._consent.wallet.approval_in(
                conn, citizen, request_id, on_behalf_of=on_behalf_of, now=now
            )
            return self._shares.device_inputs(conn, request, holder, chosen, now)

    # -- inside --------------------------------------------------------------------------

    def _take(
        self,
        conn: Connection,
        client: PullingClient,
        grant_id: str,
        purpose: str,
        wanted: Sequence[WantedCertificate] | None,
        now: datetime,
    ) -> _Taken:
        """Every check, the use and its audit entry: all that must be atomic."""
        grant = self._consent.grant_for_pull(conn, grant_id, client.client_id, now)
        if purpose.strip() != grant.purpose:
            raise PurposeMismatch("the purpose is not the grant's", field="purpose")
        ready = {(s.holder_code, s.type_slug): s for s in self._shares.ready_shares(conn, grant.id)}
        chosen = select(grant, wanted)
        opened: list[tuple[Selected, OpenedShare]] = []
        for selected in chosen:
            share = ready.get((selected.holder, selected.type_slug))
            if share is None:  # every party approved, so this is a share being redone
                raise ConsentPending("not every share is ready yet")
            opened.append((selected, share))
        statuses = self._statuses.statuses_of(conn, [share.identifier for _, share in opened])
        for selected, share in opened:
            status = statuses[share.identifier]
            if status is not CertificateStatus.VALID:
                raise CertificateNotShareable(
                    f"a granted certificate is not valid now (status {status.value})",
                    field="certificates",
                    details={"status": status.value, "type": selected.type_slug},
                )
        narrowings = [
            self._shares.narrowing(conn, share, _names(selected, share), now)
            for selected, share in opened
        ]
        self._consent.take_use(conn, grant.id)
        use = grant.uses_taken + 1  # the grant's row is locked until this transaction ends
        receipt = self._audit.append(conn, _pull_event(client, grant, opened, use), now)
        shares = [(sel, share, n) for (sel, share), n in zip(opened, narrowings, strict=True)]
        return _Taken(grant, shares, use, receipt)

    def _annotated(
        self,
        client: PullingClient,
        grant: Grant,
        selected: Selected,
        share: OpenedShare,
        narrowing: Narrowing,
        use: int,
        receipt: str,
        now: datetime,
    ) -> PulledShare:
        names = _names(selected, share)
        token = narrowing.token(aud=grant.client_id, nonce=grant.nonce, now=now)
        item = self._consent.items[grant.bundle_item]
        annotation = Annotation(
            iss=self._base_url,
            license_id=share.identifier,
            vct=vct_of(share.type_slug),
            client_id=client.client_id,
            client_name=client.name,
            client_uscc=client.uscc,
            purpose=grant.purpose,
            item_code=item.code,
            item_name_zh=item.name_zh,
            pulled_at=int(now.timestamp()),
            valid_until=int(grant.expires_at.timestamp()),
            grant_id=grant.id,
            use=use,
            max_uses=grant.max_uses,
            share_digest=share_digest(token),
            audit_receipt=receipt,
        )
        disclosed = share.disclosed_values(names)
        card = render_card(CATALOGUE[share.type_slug].name_zh, disclosed, annotation)
        return PulledShare(
            holder=share.holder_code,
            type_slug=share.type_slug,
            identifier=share.identifier,
            sd_jwt=token,
            annotation=sign_annotation(annotation, self._platform_key, kid=self._platform_kid),
            card_svg=card,
            audit_receipt=receipt,
            disclosed=disclosed,
        )

    def _record_refusal(
        self, client: PullingClient, grant_id: str, refusal: ElicenseError, now: datetime
    ) -> None:
        try:
            grant = self._consent.for_service(client.client_id, grant_id)
        except NotFound:
            return
        summary = {
            "service": client.name,
            "client_id": client.client_id,
            "purpose": grant.purpose,
            "item": grant.bundle_item,
            "item_name_zh": item_name_zh(grant.bundle_item),
            "outcome": refusal.code,
        }
        event = AuditEvent(
            "pull_refused", f"service:{client.client_id}", _readers(grant), summary, grant.id
        )
        with self._transactions.writing() as conn:
            self._audit.append(conn, event, now)


@dataclass(frozen=True, slots=True)
class _Taken:
    """What a pull's transaction committed to: the grant, each share with how it will
    be narrowed, the use number and the audit entry's hash (the receipt)."""

    grant: Grant
    shares: list[tuple[Selected, OpenedShare, Narrowing]]
    use: int
    receipt: str


def _names(selected: Selected, share: OpenedShare) -> list[str]:
    """The claims of ``share`` the pull discloses, in the share's order."""
    return [claim for claim in share.claims if claim in selected.claims]


def _readers(grant: Grant) -> tuple[str, ...]:
    """Every party holder, and whoever decided for them (a guardian, a delegate)."""
    codes = [p.holder_code for p in grant.parties]
    codes += [p.decided_by for p in grant.parties if p.decided_by is not None]
    return tuple(dict.fromkeys(codes))


def _pull_event(
    client: PullingClient,
    grant: Grant,
    opened: Sequence[tuple[Selected, OpenedShare]],
    use: int,
) -> AuditEvent:
    claims: dict[str, Any] = {}
    for selected, share in opened:
        names = _names(selected, share)
        claims[share.type_slug] = sorted({*claims.get(share.type_slug, ()), *names})
    summary = {
        "service": client.name,
        "client_id": client.client_id,
        "purpose": grant.purpose,
        "item": grant.bundle_item,
        "item_name_zh": item_name_zh(grant.bundle_item),
        "types": sorted(claims),
        "claims": claims,
        "use": use,
        "max_uses": grant.max_uses,
        "outcome": "ok",
    }
    return AuditEvent("pull", f"service:{client.client_id}", _readers(grant), summary, grant.id)
