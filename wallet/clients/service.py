"""Service clients: registration, secrets, and the OAuth 2.0 client-credentials grant.

* RFC 6749 §4.4 (client credentials) with client authentication by
  ``client_secret_basic`` (§2.3.1) or ``private_key_jwt`` (RFC 7523 §2.2, checked in
  :mod:`wallet.clients.assertion` with joserfc). Every failure is an
  :class:`~issuers.errors.OAuthError` the app renders as §5.2 says.
* A client secret is ``secrets.token_urlsafe(32)``, shown once; the database keeps its
  argon2id hash only (argon2-cffi, as the accounts' passwords). An unknown client id is
  checked against a dummy hash, so it costs what a wrong secret costs and gets the same
  :class:`~issuers.errors.InvalidClient`; so do a disabled client and a client that
  registered the other method.
* An access token is 32 random bytes (base64url), lives ``token_lifetime`` (5 minutes),
  carries the scopes asked for (default: every scope) and is stored only as its SHA-256.
  Disabling a client or rotating its secret ends its tokens at once.
* The clock and the store are injected; no framework is imported here.
"""

from __future__ import annotations

import builtins
import hashlib
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from issuers.clock import Clock
from issuers.errors import (
    Conflict,
    InvalidClient,
    InvalidInput,
    InvalidScope,
    InvalidToken,
    NotFound,
    OAuthInvalidRequest,
    UnsupportedGrantType,
)
from wallet.clients import registration as check
from wallet.clients.assertion import (
    BAD_CLIENT,
    VerifiedAssertion,
    assertion_issuer,
    verify_assertion,
)
from wallet.clients.records import (
    ALL_SCOPES,
    ASSERTION_TYPE,
    AuthenticatedClient,
    IssuedToken,
    ServiceClient,
    StoredClient,
    StoredToken,
    TokenResponse,
)

__all__ = ["GRANT_TYPE", "MAX_TOKEN_LENGTH", "ClientService", "ClientStorage"]

GRANT_TYPE = "client_credentials"
MAX_TOKEN_LENGTH = 100  # ours are 43 characters; a longer one is refused unhashed


class ClientStorage(Protocol):
    """Where clients live (:class:`wallet.clients.store.ClientStore`); each method is
    one transaction."""

    def add(self, stored: StoredClient) -> bool: ...

    def clients(self) -> list[ServiceClient]: ...

    def find(self, client_id: str) -> StoredClient | None: ...

    def disable(self, client_id: str) -> bool: ...

    def replace_secret(self, client_id: str, secret_hash: str) -> None: ...

    def issue(
        self, token: IssuedToken, *, jti: str | None = None, jti_expires_at: datetime | None = None
    ) -> bool: ...

    def token(self, token_hash: str) -> StoredToken | None: ...


class ClientService:
    """Registration and tokens over an injected store and clock."""

    def __init__(
        self,
        store: ClientStorage,
        clock: Clock,
        *,
        token_endpoint_url: str,
        bundle_items: Collection[str],
        token_lifetime: timedelta = timedelta(minutes=5),
        assertion_lifetime: timedelta = timedelta(minutes=5),
        skew: timedelta = timedelta(seconds=30),
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._audience = token_endpoint_url
        self._lifetime = token_lifetime
        self._assertion_lifetime = assertion_lifetime
        self._skew = skew
        self._items = frozenset(bundle_items)  # the item codes a client may be registered for
        self._hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(32))

    # -- registration -------------------------------------------------------------

    def add(
        self,
        name: str,
        uscc: str,
        bundle_items: Iterable[str],
        auth_method: str,
        public_jwk: Mapping[str, Any] | None = None,
        client_id: str | None = None,
        *,
        secret: str | None = None,
    ) -> tuple[ServiceClient, str | None]:
        """Register a client; return it and, for client_secret_basic, its secret (shown
        this once). ``secret`` chooses it (the demo's published ones), else one is made."""
        method, jwk = check.checked_auth(auth_method, public_jwk)
        client = ServiceClient(
            client_id=check.checked_client_id(client_id),
            name=check.checked_name(name),
            uscc=check.checked_uscc(uscc),
            bundle_items=check.checked_items(bundle_items, self._items),
            auth_method=method,
            public_jwk=jwk,
            disabled=False,
            created_at=self._clock(),
        )
        if method == "private_key_jwt":
            if secret is not None:
                raise InvalidInput("a private_key_jwt client has no secret", field="secret")
            given = None
        else:
            given = check.new_secret(secret)
        secret_hash = None if given is None else self._hasher.hash(given)
        if not self._store.add(StoredClient(client, secret_hash)):
            raise Conflict(f"client {client.client_id} exists", field="client_id")
        return client, given

    def get(self, client_id: str) -> ServiceClient:
        stored = self._store.find(client_id)
        if stored is None:
            raise NotFound(f"no client {client_id}")
        return stored.client

    def disable(self, client_id: str) -> ServiceClient:
        """Disable a client: its tokens stop working now and it gets no new ones."""
        if not self._store.disable(client_id):
            raise NotFound(f"no client {client_id}")
        return self.get(client_id)

    def rotate_secret(self, client_id: str) -> str:
        """A new secret, shown once; the old one, and every token it got, stop now."""
        client = self.get(client_id)
        if client.auth_method != "client_secret_basic":
            raise Conflict(f"client {client_id} authenticates with private_key_jwt")
        secret = check.new_secret(None)
        self._store.replace_secret(client_id, self._hasher.hash(secret))
        return secret

    # -- the token endpoint and bearer tokens ----------------------------------

    def token(
        self,
        grant_type: str | None,
        scope: str | None,
        *,
        basic: tuple[str, str] | None = None,
        client_id: str | None = None,
        client_assertion_type: str | None = None,
        client_assertion: str | None = None,
        admit: Callable[[str], None] | None = None,
    ) -> TokenResponse:
        """RFC 6749 §4.4.2: authenticate the client, then issue a token for ``scope``.
        ``admit`` is called with the authenticated client's id before anything is
        issued, and may refuse by raising (the per-client rate limit)."""
        if grant_type is None:
            raise OAuthInvalidRequest("grant_type is required")
        if grant_type != GRANT_TYPE:
            raise UnsupportedGrantType(f"only grant_type={GRANT_TYPE} is supported")
        assertion = client_assertion_type is not None or client_assertion is not None
        if basic is not None and assertion:
            raise OAuthInvalidRequest("use one client authentication method, not two")
        if basic is not None:
            client, jti = self._by_secret(basic, client_id), None
        elif assertion:
            client, jti = self._by_assertion(client_assertion_type, client_assertion, client_id)
        else:
            raise InvalidClient("client authentication is required")
        if admit is not None:
            admit(client.client_id)
        scopes = _scopes(scope)
        token = secrets.token_urlsafe(32)
        now = self._clock()
        issued = IssuedToken(_digest(token), client.client_id, scopes, now, now + self._lifetime)
        recorded = self._store.issue(
            issued,
            jti=None if jti is None else jti.jti,
            jti_expires_at=None if jti is None else jti.expires_at,
        )
        if not recorded:
            raise InvalidClient("client_assertion was used before (its jti)")
        return TokenResponse(
            access_token=token,
            expires_in=int(self._lifetime.total_seconds()),
            scope=" ".join(sorted(scopes)),
        )

    def authenticate_bearer(self, token: str) -> AuthenticatedClient:
        """The client a bearer access token was issued to (RFC 6750 §3.1
        ``invalid_token`` when unknown, expired, or the client is disabled)."""
        stored = None if len(token) > MAX_TOKEN_LENGTH else self._store.token(_digest(token))
        if stored is None:
            raise InvalidToken("the access token is not one this server issued")
        if stored.expires_at <= self._clock():
            raise InvalidToken("the access token has expired")
        if stored.client.disabled:
            raise InvalidToken("the access token's client is disabled")
        return AuthenticatedClient(stored.client, stored.scopes, stored.expires_at)

    def _by_secret(self, basic: tuple[str, str], client_id: str | None) -> ServiceClient:
        given_id, secret = basic
        if client_id is not None and client_id != given_id:
            raise OAuthInvalidRequest("client_id differs from the Basic credentials")
        stored = self._store.find(given_id)
        usable = (
            stored is not None
            and stored.secret_hash is not None
            and stored.client.auth_method == "client_secret_basic"
            and not stored.client.disabled
        )
        # Every failure hashes once, so an unknown id costs what a wrong secret costs.
        hashed = stored.secret_hash if usable and stored is not None else None
        ok = self._verify(hashed or self._dummy_hash, secret)
        if stored is None or not usable or not ok:
            raise InvalidClient(BAD_CLIENT)
        return stored.client

    def _by_assertion(
        self, assertion_type: str | None, assertion: str | None, client_id: str | None
    ) -> tuple[ServiceClient, VerifiedAssertion]:
        if assertion_type is None or assertion is None:
            raise OAuthInvalidRequest("client_assertion and client_assertion_type go together")
        if assertion_type != ASSERTION_TYPE:
            raise InvalidClient(f"client_assertion_type must be {ASSERTION_TYPE}")
        issuer = assertion_issuer(assertion)
        if client_id is not None and client_id != issuer:
            raise InvalidClient("client_id differs from the client_assertion's iss")
        stored = self._store.find(issuer)
        if stored is None or stored.client.disabled or stored.client.public_jwk is None:
            raise InvalidClient(BAD_CLIENT)
        verified = verify_assertion(
            assertion,
            key=stored.client.public_jwk,
            client_id=issuer,
            audience=self._audience,
            now=self._clock(),
            max_lifetime=self._assertion_lifetime,
            skew=self._skew,
        )
        return stored.client, verified

    def _verify(self, secret_hash: str, secret: str) -> bool:
        try:
            return self._hasher.verify(secret_hash, secret)
        except (VerificationError, InvalidHashError):
            return False

    def list(self) -> builtins.list[ServiceClient]:
        """Every client, disabled ones too, by id."""
        return self._store.clients()


def _scopes(scope: str | None) -> frozenset[str]:
    """RFC 6749 §3.3: space-delimited; absent means every scope a client has."""
    asked = frozenset((scope or "").split(" ")) - {""}
    unknown = asked - ALL_SCOPES
    if unknown:
        raise InvalidScope(
            f"unknown scope {sorted(unknown)[0]!r}; scopes: {' '.join(sorted(ALL_SCOPES))}"
        )
    return asked or ALL_SCOPES


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
