"""Verdicts: what a verification says, as data (pydantic only, no web framework).

Shared by the HTTP endpoint and the CLI, so both print the same JSON.

A :class:`VerifierContext` is shared by every request a server handles, at once, on
many threads: what it holds must not keep per-verification state. A verifier that
reports what each verification drew on (how old the cached trust and status data
was, warnings about it) gives ``sessions``: a factory of one
:class:`VerificationSession` per verification, which does the noting and adds it to
that verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from issuers.clock import Clock
from issuers.codes import region_name
from issuers.errors import ElicenseError
from issuers.metrics import NOTHING, Recorder
from issuers.registry import KeyResolver
from issuers.status_codes import StatusChecker
from verifiers.presentation import DEFAULT_SKEW, HolderKeyStatus, ReplayGuard, verify_any
from verifiers.result import VerifiedCredential

# A valid verdict whose status was not looked up says so among its warnings, so that
# every output (JSON, the CLI's text, the inspector page) carries it, not only the
# status_checked flag a reader of the text would never see.
STATUS_NOT_CHECKED = (
    "status_not_checked: no status list was consulted (the credential names none, or"
    " this verifier has none), so a revocation or suspension would not show"
)


class VerificationSession(Protocol):
    """One verification's own view of a verifier's data; never shared between calls."""

    @property
    def keys(self) -> KeyResolver: ...

    @property
    def status(self) -> StatusChecker | None: ...

    def annotate(self, verdict: Verdict) -> Verdict:
        """The verdict, plus what this verification drew on (data age, warnings)."""
        ...


@dataclass(frozen=True, slots=True)
class VerifierContext:
    keys: KeyResolver
    clock: Clock
    status: StatusChecker | None = None
    # When given, verdict_for verifies through sessions(now) instead of keys and status.
    sessions: Callable[[datetime], VerificationSession] | None = None
    # Single-use mode: a dynamic presentation scanned a second time is `replayed`.
    replay: ReplayGuard | None = None
    # Clock difference tolerated between the phone that signed a presentation and us.
    skew: timedelta = DEFAULT_SKEW
    # The holder keys this verifier's own wallet made: a retired one signs nothing valid.
    holder_keys: HolderKeyStatus | None = None
    # Where the HTTP verifiers count their verdicts (the routes call it, not verdict_for:
    # a bundle checking a presented credential gives no verdict to anyone).
    metrics: Recorder = NOTHING


class IssuerView(BaseModel):
    uscc: str
    name_zh: str
    name_en: str
    region_code: str
    region_name: str | None


class TypeView(BaseModel):
    slug: str
    name_zh: str
    name_en: str


class CredentialView(BaseModel):
    identifier: str
    type: TypeView
    issuer: IssuerView
    holder_codes: list[str]
    fields: dict[str, Any]
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime | None
    kid: str
    alg: str


class Verdict(BaseModel):
    valid: bool
    code: str | None = Field(description="Stable error code when not valid, e.g. `expired`.")
    message: str | None
    checked_at: datetime
    credential: CredentialView | None = None
    warnings: list[str] = []
    kind: Literal["static", "dynamic"] | None = Field(
        default=None,
        description="`dynamic`: a live, holder-signed presentation (亮证); `static`: a plain "
        "credential QR, e.g. a printout, which does not prove who is showing it.",
    )
    presented_at: datetime | None = None
    expires_at: datetime | None = Field(
        default=None, description="When a dynamic presentation stops being accepted."
    )
    holder_alg: str | None = Field(
        default=None,
        description="The algorithm of the holder key that signed a dynamic presentation"
        " (`EdDSA`, `ES256` or `SM2`); the issuer's is `credential.alg`.",
    )
    status_checked: bool = Field(
        default=False,
        description="True when the issuer's status list was consulted for this credential.",
    )
    data_age_seconds: int | None = Field(
        default=None,
        description=(
            "Age in seconds of the oldest cached (synced) trust or status data used, by"
            " the signed iat of each list: offline, or online for another region's"
            " credential; null when none was."
        ),
    )
    offline: bool = Field(
        default=False, description="True when verified from cached lists, without a network."
    )


def credential_view(result: VerifiedCredential) -> CredentialView:
    issuer = result.issuer
    return CredentialView(
        identifier=result.identifier,
        type=TypeView(
            slug=result.type_slug, name_zh=result.type_name_zh, name_en=result.type_name_en
        ),
        issuer=IssuerView(
            uscc=issuer.uscc,
            name_zh=issuer.name_zh,
            name_en=issuer.name_en,
            region_code=issuer.region_code,
            region_name=region_name(issuer.region_code),
        ),
        holder_codes=list(result.holder_codes),
        fields=result.fields,
        issued_at=result.issued_at,
        valid_from=result.valid_from,
        valid_until=result.valid_until,
        kid=result.kid,
        alg=result.alg,
    )


def verdict_for(qr: str, context: VerifierContext) -> Verdict:
    now = context.clock()
    if context.sessions is None:
        return _verdict(qr, context.keys, context.status, now, context)
    session = context.sessions(now)
    return session.annotate(_verdict(qr, session.keys, session.status, now, context))


def _verdict(
    qr: str,
    keys: KeyResolver,
    status: StatusChecker | None,
    now: datetime,
    context: VerifierContext,
) -> Verdict:
    try:
        shown = verify_any(
            qr,
            keys=keys,
            now=now,
            status=status,
            replay=context.replay,
            skew=context.skew,
            holder_keys=context.holder_keys,
        )
    except ElicenseError as exc:
        return Verdict(valid=False, code=exc.code, message=exc.message, checked_at=now)
    result = shown.credential
    warnings = list(result.warnings)
    if not result.status_checked:
        warnings.append(STATUS_NOT_CHECKED)
    return Verdict(
        valid=True,
        code=None,
        message=None,
        checked_at=now,
        credential=credential_view(result),
        warnings=warnings,
        kind=shown.kind,
        presented_at=shown.presented_at,
        expires_at=shown.expires_at,
        holder_alg=shown.holder_alg,
        status_checked=result.status_checked,
    )
