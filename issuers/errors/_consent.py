"""The errors of reuse with consent (用证授权): the OAuth token endpoint's (RFC 6749
§5.2), a service's bearer token (RFC 6750 §3.1), authorisation requests, and a pull
refused. The tree is drawn in :mod:`issuers.errors`.

A refused pull names its reason with its own code and discloses nothing; a grant or
request that is not the caller's is :class:`~issuers.errors.NotFound`, the same answer
as one that does not exist.
"""

from __future__ import annotations

from issuers.errors._requests import (
    Conflict,
    ElicenseError,
    Forbidden,
    InvalidInput,
    Unauthorized,
)

__all__ = [
    "BeyondBundleItem",
    "CertificateMissing",
    "CertificateNotShareable",
    "ClaimNotGranted",
    "ConsentDenied",
    "ConsentPending",
    "GrantExhausted",
    "GrantExpired",
    "GrantRevoked",
    "HolderNotGranted",
    "InsufficientScope",
    "InvalidClient",
    "InvalidGrant",
    "InvalidScope",
    "InvalidToken",
    "OAuthError",
    "OAuthInvalidRequest",
    "PullRefused",
    "PurposeMismatch",
    "RelationUnproven",
    "TypeNotGranted",
    "UnauthorizedClient",
    "UnsupportedGrantType",
]


class OAuthError(ElicenseError):
    """An error of ``POST /oauth/token``, rendered as RFC 6749 §5.2 says:
    ``{"error": code, "error_description": message}`` with ``Cache-Control: no-store``."""

    code = "invalid_request"
    status = 400


class OAuthInvalidRequest(OAuthError):
    """A parameter is missing, repeated, or malformed (RFC 6749 §5.2)."""

    code = "invalid_request"


class InvalidClient(OAuthError):
    """Client authentication failed: unknown client, wrong secret, bad assertion, or a
    disabled client. 401 (with ``WWW-Authenticate``) as §5.2 allows."""

    code = "invalid_client"
    status = 401


class InvalidGrant(OAuthError):
    code = "invalid_grant"


class UnauthorizedClient(OAuthError):
    """The client may not use this grant type."""

    code = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"


class InvalidScope(OAuthError):
    """A requested scope is unknown or beyond what the client was given."""

    code = "invalid_scope"


class InvalidToken(Unauthorized):
    """The bearer access token is missing, unknown, expired, or its client disabled
    (RFC 6750 §3.1)."""

    code = "invalid_token"


class InsufficientScope(Forbidden):
    """The token is valid but lacks the scope the operation needs (RFC 6750 §3.1)."""

    code = "insufficient_scope"


class BeyondBundleItem(InvalidInput):
    """An authorisation request asks for a certificate type or a claim its bundle item
    does not allow (or names an item the service may not serve); ``field`` names it."""

    code = "beyond_bundle_item"


class RelationUnproven(Forbidden):
    """A citizen acts for another (a parent for a minor child) and no certificate on
    this platform proves the relation."""

    code = "relation_unproven"


class ConsentPending(Conflict):
    """Not every holder named by the request has approved yet; names nobody."""

    code = "consent_pending"


class CertificateMissing(Conflict):
    """A holder is asked for a certificate type they hold no valid certificate of, so
    the approval cannot share it; ``field`` names the type (``certificates.<slug>``)."""

    code = "certificate_missing"


class PullRefused(Forbidden):
    """A pull the grant does not allow. Nothing is disclosed; the refusal is audited."""

    code = "pull_refused"


class ConsentDenied(PullRefused):
    code = "consent_denied"


class GrantExpired(PullRefused):
    code = "grant_expired"


class GrantRevoked(PullRefused):
    code = "grant_revoked"


class GrantExhausted(PullRefused):
    """Every use the grant allowed has been taken."""

    code = "grant_exhausted"


class PurposeMismatch(PullRefused):
    code = "purpose_mismatch"


class HolderNotGranted(PullRefused):
    code = "holder_not_granted"


class TypeNotGranted(PullRefused):
    code = "type_not_granted"


class ClaimNotGranted(PullRefused):
    code = "claim_not_granted"


class CertificateNotShareable(PullRefused):
    """A granted certificate is suspended, revoked or otherwise not valid now; ``details``
    says which status. A certificate revoked after approval is never shared."""

    code = "certificate_not_shareable"
