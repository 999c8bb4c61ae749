"""What the service clients' store and service hand around: typed, frozen, no framework.

A client's secret travels only as its argon2id hash, inside :class:`StoredClient`, on
the authentication path; :class:`ServiceClient`, the public view, never carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "ALL_SCOPES",
    "ASSERTION_TYPE",
    "SCOPE_PULL",
    "SCOPE_REQUEST",
    "AuthMethod",
    "AuthenticatedClient",
    "IssuedToken",
    "ServiceClient",
    "StoredClient",
    "StoredToken",
    "TokenResponse",
]

AuthMethod = Literal["client_secret_basic", "private_key_jwt"]

SCOPE_REQUEST = "consent:request"  # create authorisation requests
SCOPE_PULL = "consent:pull"  # pull shares of granted certificates
ALL_SCOPES = frozenset({SCOPE_REQUEST, SCOPE_PULL})

# RFC 7523 §2.2: the client_assertion_type of a JWT client assertion.
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True, slots=True)
class ServiceClient:
    """A department's or a bundle service's registration: the public view."""

    client_id: str
    name: str
    uscc: str  # 统一社会信用代码 of the department (GB 32100, checked)
    bundle_items: tuple[str, ...]  # the bundle items it may serve (samples/bundles)
    auth_method: AuthMethod
    public_jwk: dict[str, Any] | None  # private_key_jwt only: the public key, no private part
    disabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredClient:
    """A client with its secret's argon2id hash (``None`` for private_key_jwt clients)."""

    client: ServiceClient
    secret_hash: str | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token to record: only the SHA-256 of the token, never the token."""

    token_hash: str
    client_id: str
    scopes: frozenset[str]
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A recorded access token with its client, live or not (the service decides)."""

    client: ServiceClient
    scopes: frozenset[str]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AuthenticatedClient:
    """A bearer access token resolved: the client, what it may do, until when."""

    client: ServiceClient
    scopes: frozenset[str]
    token_expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """RFC 6749 §5.1: what the token endpoint answers (the token is shown only here)."""

    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 token type, not a secret
