"""The first half of an application's workflow: ask, wait, pull, verify, prefill.

Each method is one durable step of :mod:`wallet.bundles.engine.workflows` and is safe
to run again (DBOS runs a step at least once):

1. :meth:`Gathering.request_consent`: ONE authorisation request for the whole
   application (``bundle_item`` = the bundle code), naming each consenting role's
   holder with the types and claims the role supplies (a minor's party is approved by
   a guardian under the consent feature's rules). A supply the applicant presented
   from another province is not asked for. ``max_uses`` 3: a pull retried after a crash
   still has a use. Its id is derived from the application's
   (:func:`consent_request_id`) and creating it is idempotent, so a step run again after
   a crash between making the request and recording it finds the request it made: the
   citizens are never asked twice. Cancelled meanwhile, it withdraws what it made.
2. :meth:`Gathering.consent_state`: ``approved``, ``pending`` (with the seconds left
   before the request expires, so the wait ends then), ``refused`` (denied, expired,
   revoked, exhausted) or ``cancelled``.
3. :meth:`Gathering.gather`: pull the grant as the bundle's service client, verify
   every share and every presented credential (:mod:`wallet.bundles.verification`),
   prefill the one form (:mod:`wallet.bundles.form`) and store it all in the
   application row. A certificate that fails verification fails the application,
   naming the type and the verdict code; so does a refused pull (the grant revoked,
   expired or used up since, a certificate no longer valid), naming the refusal's code.
   A cancelled application is never overwritten: each state change is guarded by the
   state it leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from issuers.catalogue import CATALOGUE
from issuers.clock import Clock
from issuers.errors import (
    ConsentPending,
    CredentialInvalid,
    ElicenseError,
    HolderMismatch,
    PayloadTooLarge,
    PullRefused,
)
from verifiers.verdict import VerifierContext
from wallet.bundles.consent_request import consent_request_id, withdraw_if_cancelled
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.form import prefill
from wallet.bundles.records import StoredApplication, VerifiedCertificate
from wallet.bundles.verification import verify_presented, verify_share
from wallet.clients.records import ServiceClient
from wallet.consent.pull import PullService
from wallet.consent.records import Requester
from wallet.consent.requests import AskedHolder, NewRequest
from wallet.consent.service import ConsentService

if TYPE_CHECKING:
    from wallet.bundles.store import BundleStore

__all__ = [
    "CONSENT_LIFETIME",
    "MAX_USES",
    "ClientLookup",
    "Gathering",
    "GatheringServices",
    "consent_request_id",
]

MAX_USES = 3
_GATHERED = {"cancelled": "cancelled", "failed": "failed", "refused": "cancelled"}
CONSENT_LIFETIME = timedelta(days=7)


class ClientLookup(Protocol):
    """The registered service clients (wallet.clients' ClientService)."""

    def get(self, client_id: str) -> ServiceClient: ...


@dataclass(frozen=True)
class GatheringServices:
    store: BundleStore
    definitions: Mapping[str, BundleDefinition]
    consent: ConsentService
    pulls: PullService
    clients: ClientLookup
    verifier: VerifierContext
    clock: Clock
    # (point, bundle code), test only: ``after_consent_request:<bundle>`` is after the
    # request was made and before the application recorded it (engine.failpoints).
    failpoint: Callable[[str, str], None] = lambda point, code: None


class Gathering:
    def __init__(self, services: GatheringServices) -> None:
        self._s = services

    def client(self, definition: BundleDefinition) -> ServiceClient:
        return self._s.clients.get(definition.service_client)

    def application(self, application_id: str) -> tuple[StoredApplication, BundleDefinition]:
        with self._s.store.reading() as conn:
            application = self._s.store.application(conn, application_id)
        assert application is not None, "the workflow runs only for a stored application"
        return application, self._s.definitions[application.bundle]

    def request_consent(self, application_id: str) -> str | None:
        application, definition = self.application(application_id)
        if application.consent_request_id is not None or application.state != "awaiting_consent":
            return application.consent_request_id  # asked already, or cancelled: ask nothing
        presented = {(p.role, p.type_slug) for p in application.presented}
        asks: dict[str, dict[str, list[str]]] = {}
        consenting = {r.code for r in definition.roles if r.consents or r.guardian_roles}
        for supply in definition.supplies:
            holder = application.holders.get(supply.role)
            if holder is None or supply.role not in consenting:
                continue
            if (supply.role, supply.type) in presented:
                continue
            claims = asks.setdefault(holder, {}).setdefault(supply.type, [])
            claims.extend(c for c in supply.claims if c not in claims)
        if not asks:
            return None  # nothing to ask: every certificate was presented
        client = self.client(definition)
        request = self._s.consent.create(
            Requester(client.client_id, client.name, frozenset(client.bundle_items)),
            NewRequest(
                holders=[AskedHolder(code, certs) for code, certs in asks.items()],
                purpose=f"{definition.name_zh}（一件事一次办）",
                bundle_item=definition.bundle,
                max_uses=MAX_USES,
                expires_in=int(CONSENT_LIFETIME.total_seconds()),
                request_id=consent_request_id(application_id),
            ),
        )
        self._s.failpoint("after_consent_request", definition.bundle)
        now = self._s.clock()
        with self._s.store.writing() as conn:
            self._s.store.set_consent_request(conn, application_id, request.id)
            self._s.store.add_event(
                conn, application_id, now, "consent_requested",
                f"已向{len(asks)}位当事人发出用证授权请求",
            )  # fmt: skip
        self.withdraw_consent(application_id)  # cancelled meanwhile: take it back
        return request.id

    def withdraw_consent(self, application_id: str) -> bool:
        """A cancelled application's request withdrawn (safe to repeat; see
        :func:`wallet.bundles.consent_request.withdraw_if_cancelled`)."""
        s = self._s
        return withdraw_if_cancelled(s.store, s.definitions, s.consent, s.clock, application_id)

    def consent_state(self, application_id: str) -> tuple[str, float]:
        """(``approved``, ``pending``, ``refused`` (denied, expired, revoked, exhausted)
        or ``cancelled``; the seconds until the request expires)."""
        application, definition = self.application(application_id)
        if application.state != "awaiting_consent":
            return "cancelled", 0.0
        if application.consent_request_id is None:
            return "approved", 0.0
        client = self.client(definition)
        request = self._s.consent.for_service(client.client_id, application.consent_request_id)
        now = self._s.clock()
        state = request.state_at(now)
        if state == "active":
            return "approved", 0.0
        if state != "pending":
            return "refused", 0.0
        return "pending", max(0.0, (request.expires_at - now).total_seconds())

    def gather(self, application_id: str) -> str:
        """Pull, verify, prefill: ``gathered``; ``failed`` when the pull is refused (the
        grant revoked, expired or used up meanwhile, a certificate no longer valid) or a
        certificate does not verify; ``cancelled`` when the application was."""
        application, definition = self.application(application_id)
        if application.state != "awaiting_consent":  # this step ran before a crash, or
            return _GATHERED.get(application.state, "gathered")  # a cancel came first
        try:
            verified = self._verified(application, definition)
        except (CredentialInvalid, PayloadTooLarge, PullRefused, ConsentPending) as failure:
            return "failed" if self._fail(application_id, failure) else "cancelled"
        certificates: dict[str, dict[str, Mapping[str, object]]] = {}
        for v in verified:
            certificates.setdefault(v.role, {})[v.type_slug] = v.claims
        form, conflicts = prefill(definition, certificates, application.holders)
        now = self._s.clock()
        with self._s.store.writing() as conn:
            if not self._s.store.set_state(
                conn, application_id, "awaiting_submit", only_from=("awaiting_consent",)
            ):
                return "cancelled"  # cancelled while pulling: keep nothing of it
            self._s.store.set_verified(conn, application_id, verified, form, conflicts)
            text = f"已核验{len(verified)}份电子证照，表单已预填"
            if conflicts:
                text += "；" + "、".join(c.field for c in conflicts) + " 存在不一致，请确认"
            self._s.store.add_event(conn, application_id, now, "verified", text)
        return "gathered"

    def _verified(
        self, application: StoredApplication, definition: BundleDefinition
    ) -> list[VerifiedCertificate]:
        verified: list[VerifiedCertificate] = []
        supplied = {(s.role, s.type) for s in definition.supplies}
        if application.consent_request_id is not None:
            client = self.client(definition)
            grant = self._s.consent.for_service(client.client_id, application.consent_request_id)
            result = self._s.pulls.pull(client, grant.id, grant.purpose)
            for share in result.shares:
                with _naming(share.type_slug):
                    checked = verify_share(
                        share.sd_jwt, self._s.verifier, aud=client.client_id, nonce=grant.nonce
                    )
                for role, holder in application.holders.items():
                    if holder == share.holder and (role, checked.type_slug) in supplied:
                        verified.append(
                            VerifiedCertificate(
                                role, checked.type_slug, checked.identifier,
                                checked.issuer_uscc, dict(checked.claims),
                            )
                        )  # fmt: skip
        for presented in application.presented:
            with _naming(presented.type_slug):
                checked = verify_presented(presented.credential, self._s.verifier)
            if checked.type_slug != presented.type_slug:
                raise CredentialInvalid(
                    f"the credential presented as {presented.type_slug} is a {checked.type_slug}"
                )
            named = application.holders.get(presented.role)
            if named is None or named not in checked.holder_codes:
                # A certificate from another province is a bearer copy: it counts only
                # for the role whose holder it names (and who approves the application).
                raise HolderMismatch(
                    f"the {presented.type_slug} presented for {presented.role} does not name "
                    "that role's holder",
                    field=presented.type_slug,
                )
            verified.append(
                VerifiedCertificate(
                    presented.role, checked.type_slug, checked.identifier,
                    checked.issuer_uscc, dict(checked.claims), cross_region=True,
                )
            )  # fmt: skip
        return verified

    def _fail(self, application_id: str, failure: ElicenseError) -> bool:
        """The application failed, naming the certificate type and the error's code
        (False: it was cancelled meanwhile and stays so)."""
        if isinstance(failure, (PullRefused, ConsentPending)):
            what, reason = "", "用证授权已失效或证照已不可用"
        else:
            what, reason = _type_name(failure.field), "证照核验未通过"
        code = f"{what}：{failure.code}" if what else failure.code
        now = self._s.clock()
        with self._s.store.writing() as conn:
            if not self._s.store.set_state(
                conn, application_id, "failed", only_from=("awaiting_consent",),
                finished_at=now, failure_reason=f"{reason}（{code}）",
            ):  # fmt: skip
                return False
            self._s.store.add_event(
                conn, application_id, now, "failed", f"{reason}（{code}），申请终止"
            )
        return True

    def refuse(self, application_id: str) -> None:
        now = self._s.clock()
        with self._s.store.writing() as conn:
            if not self._s.store.set_state(
                conn, application_id, "refused", only_from=("awaiting_consent",),
                finished_at=now, failure_reason="当事人未同意用证授权（拒绝、撤回或已过期）",
            ):  # fmt: skip
                return
            self._s.store.add_event(
                conn, application_id, now, "refused", "用证授权未获同意，申请终止"
            )


def type_name(slug: str) -> str:
    kind = CATALOGUE.get(slug)
    return kind.name_zh if kind is not None else slug


@contextmanager
def _naming(type_slug: str) -> Iterator[None]:
    """A verification failure names the certificate type it was about (``field``)."""
    try:
        yield
    except (CredentialInvalid, PayloadTooLarge) as failure:
        failure.field = failure.field or type_slug
        raise


def _type_name(slug: str | None) -> str:
    """The type's Chinese name (出生医学证明), or "" when ``slug`` names no type."""
    certificate_type = CATALOGUE.get(slug or "")
    return certificate_type.name_zh if certificate_type is not None else ""
