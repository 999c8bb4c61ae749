"""A service's bearer access token on other features' routes (RFC 6750)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from issuers.errors import InsufficientScope, Unauthorized
from wallet.clients.api._provided import Clients
from wallet.clients.records import ALL_SCOPES, AuthenticatedClient

_service_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ServiceBearer",
    description="A service's access token from POST /oauth/token",
)


def require_client(scope: str) -> Callable[..., AuthenticatedClient]:
    """A dependency: the service whose bearer access token the request carries, which
    must hold ``scope``. No token: 401 with a bare ``Bearer`` challenge (RFC 6750 §3.1:
    no error code); a bad one: ``invalid_token``; too few scopes: 403
    ``insufficient_scope``."""
    if scope not in ALL_SCOPES:
        raise LookupError(f"no scope {scope!r}")  # a wiring bug, found at import

    def dependency(
        service: Clients,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_service_bearer)],
    ) -> AuthenticatedClient:
        if credentials is None:
            raise Unauthorized("a service access token is required (POST /oauth/token)")
        client = service.authenticate_bearer(credentials.credentials)
        if scope not in client.scopes:
            raise InsufficientScope(f"the access token does not carry the scope {scope}")
        return client

    dependency.__name__ = "require_client_" + scope.replace(":", "_")
    return dependency
