"""The errors a request can meet: the base :class:`ElicenseError`, with its stable
``code`` and HTTP ``status``, and every branch but the verification verdicts
(:mod:`issuers.errors._verdicts`). The tree is drawn in :mod:`issuers.errors`."""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AccountLocked",
    "Busy",
    "CheckDigitMismatch",
    "Conflict",
    "ElicenseError",
    "Forbidden",
    "InvalidCode",
    "InvalidInput",
    "KeyUnavailable",
    "NoQrFound",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ReauthenticationRequired",
    "SchemaInvalid",
    "Unauthorized",
    "UnsupportedMediaType",
]


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


class NoQrFound(InvalidInput):
    """The uploaded image decodes, but holds no QR code zxing-cpp can read."""

    code = "no_qr_found"


class PayloadTooLarge(ElicenseError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(ElicenseError):
    """The request body is not in the media type the operation takes."""

    code = "unsupported_media_type"
    status = 415


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


class RateLimited(ElicenseError):
    """Too many requests from one client (its address, or its client_id) in a route
    group's window (:mod:`issuers.api.rate_limits`); ``retry_after``: whole seconds until
    the window has room again (sent as ``Retry-After``, RFC 6585 §4)."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class AccountLocked(ElicenseError):
    """Too many wrong passwords: the account is locked until ``details.locked_until``."""

    code = "account_locked"
    status = 423
