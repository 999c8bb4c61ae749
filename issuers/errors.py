"""The one error tree of elicense.

Every failure that can reach a caller is an :class:`ElicenseError` with a stable
snake_case ``code`` (what clients branch on) and an HTTP status (used by the single
FastAPI handler in ``wallet.server.error_handlers``). Verification never returns a bare bool;
it raises one of these.

::

    ElicenseError (code, status, message, field)
    ├── InvalidInput ............................. invalid_input            422
    │   ├── InvalidCode .......................... invalid_code             422
    │   │   └── CheckDigitMismatch ............... check_digit_mismatch     422
    │   └── SchemaInvalid ........................ schema_invalid           422
    ├── PayloadTooLarge .......................... payload_too_large        413
    ├── NotFound ................................. not_found                404
    ├── Unauthorized ............................. unauthorized             401
    │   └── ReauthenticationRequired ............. reauthentication_required 401
    ├── Forbidden ................................ forbidden                403
    ├── Conflict ................................. conflict                 409
    ├── KeyUnavailable ........................... key_unavailable          503
    ├── AccountLocked ............................ account_locked           423
    └── CredentialInvalid (verification verdicts; 422 when raised over HTTP)
        ├── Malformed ............................ malformed
        │   ├── UnsupportedVersion ............... unsupported_version
        │   ├── Base45Invalid .................... base45_invalid
        │   ├── CompressionInvalid ............... compression_invalid
        │   ├── Truncated ........................ truncated
        │   └── InflateLimitExceeded ............. inflate_limit_exceeded
        ├── UnknownKey ........................... unknown_key
        ├── KeyCompromised ....................... key_compromised
        ├── SignatureInvalid ..................... signature_invalid
        ├── UntrustedIssuer ...................... untrusted_issuer
        ├── Expired .............................. expired
        ├── Revoked .............................. revoked
        ├── Suspended ............................ suspended
        ├── StatusUnavailable .................... status_unavailable
        │   └── StatusListExpired ................ status_list_expired
        ├── NotYetValid .......................... not_yet_valid
        ├── ClaimsInvalid ........................ claims_invalid
        ├── HolderBindingMissing ................. holder_binding_missing
        ├── HolderSignatureInvalid ............... holder_signature_invalid
        ├── PresentationStale .................... presentation_stale
        ├── NonceMismatch ........................ nonce_mismatch
        ├── Replayed ............................. replayed
        └── TrustListInvalid ..................... trust_list_invalid
            ├── UntrustedAnchor .................. untrusted_anchor
            ├── TrustListSignatureInvalid ........ trust_list_signature_invalid
            └── TrustListExpired ................. trust_list_expired

Oversized credentials raise :class:`PayloadTooLarge`, which is not a
``CredentialInvalid``; the verifier reports it as a verdict all the same.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ElicenseError(Exception):
    """Base of every error elicense raises on purpose."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 500

    def __init__(self, message: str, *, field: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details is not None:
            body["details"] = self.details
        return body


class InvalidInput(ElicenseError):
    code = "invalid_input"
    status = 422


class InvalidCode(InvalidInput):
    """A national code (ID number, USCC, region, e-licence identifier) is malformed."""

    code = "invalid_code"


class CheckDigitMismatch(InvalidCode):
    """A national code has the right shape but the wrong check character."""

    code = "check_digit_mismatch"


class SchemaInvalid(InvalidInput):
    """Certificate fields do not satisfy the certificate type's schema."""

    code = "schema_invalid"


class PayloadTooLarge(ElicenseError):
    code = "payload_too_large"
    status = 413


class NotFound(ElicenseError):
    code = "not_found"
    status = 404


class Unauthorized(ElicenseError):
    code = "unauthorized"
    status = 401


class ReauthenticationRequired(Unauthorized):
    """A sensitive change (registering a device key) needs a session signed in within
    the last few minutes; the session itself stays valid for everything else."""

    code = "reauthentication_required"


class Forbidden(ElicenseError):
    code = "forbidden"
    status = 403


class Conflict(ElicenseError):
    code = "conflict"
    status = 409


class KeyUnavailable(ElicenseError):
    """No usable signing key (none active, or the master key cannot open it)."""

    code = "key_unavailable"
    status = 503


class Busy(ElicenseError):
    """Every slot for a costly operation is taken; try again after ``retry_after``."""

    code = "busy"
    status = 503
    retry_after = 1


class AccountLocked(ElicenseError):
    """Too many wrong passwords: the account is locked until ``details.locked_until``."""

    code = "account_locked"
    status = 423


class CredentialInvalid(ElicenseError):
    """A credential failed verification. Subclasses name the reason."""

    code = "credential_invalid"
    status = 422


class Malformed(CredentialInvalid):
    code = "malformed"


class UnsupportedVersion(Malformed):
    code = "unsupported_version"


class Base45Invalid(Malformed):
    code = "base45_invalid"


class CompressionInvalid(Malformed):
    code = "compression_invalid"


class Truncated(Malformed):
    code = "truncated"


class InflateLimitExceeded(Malformed):
    """The zlib stream inflates past the fixed limit (a zlib bomb)."""

    code = "inflate_limit_exceeded"


class UnknownKey(CredentialInvalid):
    """The ``kid`` names no key the verifier knows."""

    code = "unknown_key"


class KeyCompromised(CredentialInvalid):
    """The signing key was declared compromised: nothing it signed is trusted, whatever
    ``iat`` the credential claims (a thief can write any ``iat``)."""

    code = "key_compromised"


class SignatureInvalid(CredentialInvalid):
    code = "signature_invalid"


class UntrustedIssuer(CredentialInvalid):
    code = "untrusted_issuer"


class Expired(CredentialInvalid):
    code = "expired"


class Revoked(CredentialInvalid):
    """The issuer's status list marks the credential invalid (撤销/注销/失效/转出/吊销)."""

    code = "revoked"


class Suspended(CredentialInvalid):
    """The issuer's status list marks the credential suspended (暂扣)."""

    code = "suspended"


class StatusUnavailable(CredentialInvalid):
    """The credential names a status list entry that cannot be read, so it is not
    reported valid."""

    code = "status_unavailable"


class StatusListExpired(StatusUnavailable):
    """The status list itself is past its ``exp`` (or a cached copy past its ``ttl``):
    fetch a fresh one; the credential's own validity is not in question."""

    code = "status_list_expired"


class NotYetValid(CredentialInvalid):
    code = "not_yet_valid"


class ClaimsInvalid(CredentialInvalid):
    """The signed claims are inconsistent or do not match the type's schema."""

    code = "claims_invalid"


class HolderBindingMissing(CredentialInvalid):
    """The credential names no holder key (``cnf``), so it cannot be shown as a dynamic
    presentation, or its ``cnf`` holds no key we can read."""

    code = "holder_binding_missing"


class HolderSignatureInvalid(CredentialInvalid):
    """The presentation was not signed by the key the credential binds to its holder."""

    code = "holder_signature_invalid"


class PresentationStale(CredentialInvalid):
    """A dynamic presentation outside its short window, or one that claims a window
    longer than a dynamic QR may have (a screenshot, or a forged long-lived one)."""

    code = "presentation_stale"


class NonceMismatch(CredentialInvalid):
    """The verifier asked for its nonce and the presentation carries another, or none."""

    code = "nonce_mismatch"


class Replayed(CredentialInvalid):
    """This very presentation was already scanned once."""

    code = "replayed"


class TrustListInvalid(CredentialInvalid):
    """The trust list is malformed, mistyped, or says something impossible."""

    code = "trust_list_invalid"


class UntrustedAnchor(TrustListInvalid):
    """The trust list's ``kid`` names none of the anchors this verifier trusts."""

    code = "untrusted_anchor"


class TrustListSignatureInvalid(TrustListInvalid):
    """The signature does not match the trusted anchor key the ``kid`` names."""

    code = "trust_list_signature_invalid"


class TrustListExpired(TrustListInvalid):
    """``exp`` (the announced next update) is not after ``now``: fetch a fresh list."""

    code = "trust_list_expired"


def all_error_classes() -> list[type[ElicenseError]]:
    """Every concrete error class, for documentation and the code-uniqueness test."""
    seen: list[type[ElicenseError]] = []
    stack: list[type[ElicenseError]] = [ElicenseError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
