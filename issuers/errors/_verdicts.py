"""The verification verdicts: :class:`CredentialInvalid` and the reason it names.

Verification never returns a bare bool; it raises one of these (422 when raised over
HTTP). The tree is drawn in :mod:`issuers.errors`."""

from __future__ import annotations

from issuers.errors._requests import ElicenseError

__all__ = [
    "Base45Invalid",
    "ClaimsInvalid",
    "CompressionInvalid",
    "CredentialInvalid",
    "Expired",
    "HolderBindingMissing",
    "HolderMismatch",
    "HolderSignatureInvalid",
    "InflateLimitExceeded",
    "KeyCompromised",
    "Malformed",
    "NonceMismatch",
    "NotYetValid",
    "PresentationStale",
    "Replayed",
    "Revoked",
    "SignatureInvalid",
    "StatusListExpired",
    "StatusUnavailable",
    "Suspended",
    "Truncated",
    "TrustListExpired",
    "TrustListInvalid",
    "TrustListSignatureInvalid",
    "UnknownKey",
    "UnsupportedVersion",
    "UntrustedAnchor",
    "UntrustedIssuer",
]


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


class HolderMismatch(CredentialInvalid):
    """A valid credential presented for someone it does not name: e.g. a birth
    certificate offered as the mother's in a bundle application whose 公民身份号码 is
    not among its holders."""

    code = "holder_mismatch"


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
