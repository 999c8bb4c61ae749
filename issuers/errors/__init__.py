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
    │   ├── SchemaInvalid ........................ schema_invalid           422
    │   ├── NoQrFound ............................ no_qr_found              422
    │   └── BeyondBundleItem ..................... beyond_bundle_item       422
    ├── PayloadTooLarge .......................... payload_too_large        413
    ├── UnsupportedMediaType ..................... unsupported_media_type   415
    ├── NotFound ................................. not_found                404
    ├── Unauthorized ............................. unauthorized             401
    │   ├── ReauthenticationRequired ............. reauthentication_required 401
    │   └── InvalidToken ......................... invalid_token            401
    ├── Forbidden ................................ forbidden                403
    │   ├── InsufficientScope .................... insufficient_scope       403
    │   ├── RelationUnproven ..................... relation_unproven        403
    │   └── PullRefused .......................... pull_refused             403
    │       ├── ConsentDenied .................... consent_denied
    │       ├── GrantExpired ..................... grant_expired
    │       ├── GrantRevoked ..................... grant_revoked
    │       ├── GrantExhausted ................... grant_exhausted
    │       ├── PurposeMismatch .................. purpose_mismatch
    │       ├── HolderNotGranted ................. holder_not_granted
    │       ├── TypeNotGranted ................... type_not_granted
    │       ├── ClaimNotGranted .................. claim_not_granted
    │       └── CertificateNotShareable .......... certificate_not_shareable
    ├── Conflict ................................. conflict                 409
    │   ├── ConsentPending ....................... consent_pending          409
    │   ├── CertificateMissing ................... certificate_missing      409
    │   ├── FormConflict ......................... form_conflict            409
    │   ├── ApplicationClosed .................... application_closed       409
    │   └── TooManyApplications .................. too_many_applications    409
    ├── OAuthError (RFC 6749 §5.2 body) .......... invalid_request          400
    │   ├── OAuthInvalidRequest .................. invalid_request          400
    │   ├── InvalidClient ........................ invalid_client           401
    │   ├── InvalidGrant ......................... invalid_grant            400
    │   ├── UnauthorizedClient ................... unauthorized_client      400
    │   ├── UnsupportedGrantType ................. unsupported_grant_type   400
    │   └── InvalidScope ......................... invalid_scope            400
    ├── KeyUnavailable ........................... key_unavailable          503
    ├── Busy (retry_after) ....................... busy                     503
    ├── EngineUnavailable (retry_after) .......... engine_unavailable       503
    ├── DatabaseUnavailable (retry_after) ........ database_unavailable     503
    │   ├── DatabaseReadOnly ..................... database_read_only       503
    │   ├── SchemaBehind ......................... schema_behind            503
    │   └── SchemaUnknown ........................ schema_unknown           503
    ├── DatabaseFull ............................. database_full            507
    ├── AccountLocked ............................ account_locked           423
    ├── RateLimited (retry_after) ................ rate_limited             429
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
        ├── HolderMismatch ....................... holder_mismatch
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

The other branch never leaves the process: no ``code`` for a client, no HTTP status.
The layer named catches each and turns it into what the right column says::

    Exception
    ├── UsageError ............................... the CLI: exit 2
    ├── DemoFailed ............................... elicense demo: exit 1
    ├── ItemRejected (code) ...................... bundle workflow: the item is rejected
    ├── RuntimeError
    │   ├── SettingsError ........................ the server: refuses to start
    │   └── RuntimeDestroyed ..................... a destroyed workflow runtime's thread: it ends
    ├── ValueError
    │   └── BundleDefinitionError ................ the server: refuses to start; CLI exit 2
    ├── LoginRequired ............................ web pages: 303 to the login page
    ├── FetchFailed .............................. offline sync: a failed step
    │   └── DeadlinePassed ....................... offline sync: a failed step
    ├── SyncStopped .............................. offline sync: stop, report the deadline
    └── CacheEntryUnusable (code) ................ offline cache: a problem, skipped

Every exception class of ``issuers``, ``verifiers`` and ``wallet`` is defined in this
package and drawn above (tests/issuers/test_error_tree.py).
"""

from __future__ import annotations

from issuers.errors._bundles import (
    ApplicationClosed,
    EngineUnavailable,
    FormConflict,
    ItemRejected,
    RuntimeDestroyed,
    TooManyApplications,
)
from issuers.errors._consent import (
    BeyondBundleItem,
    CertificateMissing,
    CertificateNotShareable,
    ClaimNotGranted,
    ConsentDenied,
    ConsentPending,
    GrantExhausted,
    GrantExpired,
    GrantRevoked,
    HolderNotGranted,
    InsufficientScope,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    InvalidToken,
    OAuthError,
    OAuthInvalidRequest,
    PullRefused,
    PurposeMismatch,
    RelationUnproven,
    TypeNotGranted,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from issuers.errors._local import (
    BundleDefinitionError,
    CacheEntryUnusable,
    DeadlinePassed,
    DemoFailed,
    FetchFailed,
    LoginRequired,
    SettingsError,
    SyncStopped,
    UsageError,
)
from issuers.errors._requests import (
    AccountLocked,
    Busy,
    CheckDigitMismatch,
    Conflict,
    ElicenseError,
    Forbidden,
    InvalidCode,
    InvalidInput,
    KeyUnavailable,
    NoQrFound,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ReauthenticationRequired,
    SchemaInvalid,
    Unauthorized,
    UnsupportedMediaType,
)
from issuers.errors._storage import (
    DatabaseFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    SchemaBehind,
    SchemaUnknown,
)
from issuers.errors._verdicts import (
    Base45Invalid,
    ClaimsInvalid,
    CompressionInvalid,
    CredentialInvalid,
    Expired,
    HolderBindingMissing,
    HolderMismatch,
    HolderSignatureInvalid,
    InflateLimitExceeded,
    KeyCompromised,
    Malformed,
    NonceMismatch,
    NotYetValid,
    PresentationStale,
    Replayed,
    Revoked,
    SignatureInvalid,
    StatusListExpired,
    StatusUnavailable,
    Suspended,
    Truncated,
    TrustListExpired,
    TrustListInvalid,
    TrustListSignatureInvalid,
    UnknownKey,
    UnsupportedVersion,
    UntrustedAnchor,
    UntrustedIssuer,
)

__all__ = [
    "AccountLocked",
    "ApplicationClosed",
    "Base45Invalid",
    "BeyondBundleItem",
    "BundleDefinitionError",
    "Busy",
    "CacheEntryUnusable",
    "CertificateMissing",
    "CertificateNotShareable",
    "CheckDigitMismatch",
    "ClaimNotGranted",
    "ClaimsInvalid",
    "CompressionInvalid",
    "Conflict",
    "ConsentDenied",
    "ConsentPending",
    "CredentialInvalid",
    "DatabaseFull",
    "DatabaseReadOnly",
    "DatabaseUnavailable",
    "DeadlinePassed",
    "DemoFailed",
    "ElicenseError",
    "EngineUnavailable",
    "Expired",
    "FetchFailed",
    "Forbidden",
    "FormConflict",
    "GrantExhausted",
    "GrantExpired",
    "GrantRevoked",
    "HolderBindingMissing",
    "HolderMismatch",
    "HolderNotGranted",
    "HolderSignatureInvalid",
    "InflateLimitExceeded",
    "InsufficientScope",
    "InvalidClient",
    "InvalidCode",
    "InvalidGrant",
    "InvalidInput",
    "InvalidScope",
    "InvalidToken",
    "ItemRejected",
    "KeyCompromised",
    "KeyUnavailable",
    "LoginRequired",
    "Malformed",
    "NoQrFound",
    "NonceMismatch",
    "NotFound",
    "NotYetValid",
    "OAuthError",
    "OAuthInvalidRequest",
    "PayloadTooLarge",
    "PresentationStale",
    "PullRefused",
    "PurposeMismatch",
    "RateLimited",
    "ReauthenticationRequired",
    "RelationUnproven",
    "Replayed",
    "Revoked",
    "RuntimeDestroyed",
    "SchemaBehind",
    "SchemaInvalid",
    "SchemaUnknown",
    "SettingsError",
    "SignatureInvalid",
    "StatusListExpired",
    "StatusUnavailable",
    "Suspended",
    "SyncStopped",
    "TooManyApplications",
    "Truncated",
    "TrustListExpired",
    "TrustListInvalid",
    "TrustListSignatureInvalid",
    "TypeNotGranted",
    "Unauthorized",
    "UnauthorizedClient",
    "UnknownKey",
    "UnsupportedGrantType",
    "UnsupportedMediaType",
    "UnsupportedVersion",
    "UntrustedAnchor",
    "UntrustedIssuer",
    "UsageError",
    "all_error_classes",
]


def all_error_classes() -> list[type[ElicenseError]]:
    """Every concrete error class, for documentation and the code-uniqueness test."""
    seen: list[type[ElicenseError]] = []
    stack: list[type[ElicenseError]] = [ElicenseError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
