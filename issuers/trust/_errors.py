"""Trust-list verdicts live in the one error tree (issuers/errors.py); re-exported here."""

from issuers.errors import (
    TrustListExpired,
    TrustListInvalid,
    TrustListSignatureInvalid,
    UntrustedAnchor,
)

__all__ = ["TrustListExpired", "TrustListInvalid", "TrustListSignatureInvalid", "UntrustedAnchor"]
