"""``POST /oauth/token``: the client-credentials grant (RFC 6749 §4.4).

The endpoint reads its form itself rather than through FastAPI's ``Form``: RFC 6749
§3.2 wants a repeated parameter refused, §3.1 an empty one treated as absent, and §5.2's
body (not ours) for every failure, including a body that is not a form.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from issuers.api.provided import provided
from issuers.api.rate_limits import RateLimiter, limit_by_address
from issuers.error_schema import error_responses
from issuers.errors import InvalidClient, OAuthInvalidRequest
from wallet.clients.api._provided import NO_STORE, Clients
from wallet.clients.assertion import MAX_ASSERTION_BYTES

router = APIRouter(tags=["oauth"])
_FORM = "application/x-www-form-urlencoded"
_MAX_FIELDS = 10
_MAX_VALUE = 512  # every parameter but client_assertion


@dataclass(frozen=True, slots=True)
class TokenForm:
    """The token request's parameters (each once) and its Basic credentials, if any."""

    params: dict[str, str]
    basic: tuple[str, str] | None


async def token_form(request: Request) -> TokenForm:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != _FORM:
        raise OAuthInvalidRequest(f"the token request body must be {_FORM}")
    try:
        pairs = parse_qsl(
            (await request.body()).decode("utf-8"),
            keep_blank_values=True,
            max_num_fields=_MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise OAuthInvalidRequest("the token request body is not a UTF-8 form") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        if value == "":
            continue  # RFC 6749 §3.1: a parameter without a value counts as omitted
        if name in params:
            raise OAuthInvalidRequest(f"{name} is given more than once")
        limit = MAX_ASSERTION_BYTES if name == "client_assertion" else _MAX_VALUE
        if len(value) > limit:
            raise OAuthInvalidRequest(f"{name} is longer than {limit} characters")
        params[name] = value
    return TokenForm(params, _basic(request.headers.get("authorization")))


def _basic(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1 (client_secret_basic): id and secret form-urlencoded, then
    joined by ':' and base64-encoded as RFC 7617 says."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthInvalidRequest("the Basic credentials are not base64 of UTF-8") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise OAuthInvalidRequest("the Basic credentials have no ':'")
    return unquote_plus(client_id), unquote_plus(secret)


class TokenOut(BaseModel):
    """RFC 6749 §5.1."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str


OAuthErrorCode = Literal[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
]


class OAuthErrorOut(BaseModel):
    """RFC 6749 §5.2: the token endpoint's own error body, not the ErrorBody every
    other route sends (OAuth client libraries read this one)."""

    error: OAuthErrorCode = Field(description="RFC 6749 §5.2 error code")
    error_description: str = Field(description="human-readable, for the developer")


_TOKEN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            _FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "scope": {"type": "string", "maxLength": _MAX_VALUE},
                        "client_id": {"type": "string", "maxLength": _MAX_VALUE},
                        "client_assertion_type": {"type": "string", "maxLength": _MAX_VALUE},
                        "client_assertion": {"type": "string", "maxLength": MAX_ASSERTION_BYTES},
                    },
                }
            }
        },
    }
}
_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorOut, "description": "RFC 6749 §5.2 error"},
    401: {"model": OAuthErrorOut, "description": "invalid_client (RFC 6749 §5.2)"},
}


@router.post(
    "/oauth/token",
    response_model=TokenOut,
    responses={**_OAUTH_ERRORS, **error_responses(413, 429)},
    openapi_extra=_TOKEN_BODY,
    summary="Client-credentials access token (RFC 6749 §4.4)",
    # Per address before authenticating: every attempt costs an argon2 hash.
    dependencies=[Depends(limit_by_address("token_address"))],
)
def token(
    form: Annotated[TokenForm, Depends(token_form)],
    service: Clients,
    limiter: Annotated[RateLimiter, Depends(provided(RateLimiter))],
    response: Response,
) -> TokenOut:
    """Authenticate with HTTP Basic (``client_secret_basic``) or a signed JWT
    (``client_assertion``, RFC 7523 ``private_key_jwt``), never both, never
    ``client_secret`` in the body. ``scope`` is a subset of ``consent:request
    consent:pull`` (default both). The token lives five minutes. Too many requests
    from one address, or tokens for one client: 429 ``rate_limited`` with
    ``Retry-After`` (our error body, not RFC 6749's, which has no such error)."""
    params = form.params
    if "client_secret" in params:
        if form.basic is not None or "client_assertion" in params:
            raise OAuthInvalidRequest("use one client authentication method, not two")
        raise InvalidClient("client_secret in the body is not supported: use HTTP Basic")
    issued = service.token(
        params.get("grant_type"),
        params.get("scope"),
        basic=form.basic,
        client_id=params.get("client_id"),
        client_assertion_type=params.get("client_assertion_type"),
        client_assertion=params.get("client_assertion"),
        admit=lambda client_id: limiter.hit("token", client_id),
    )
    response.headers.update(NO_STORE)
    return TokenOut(
        access_token=issued.access_token,
        token_type="Bearer",  # noqa: S106 - RFC 6750 token type
        expires_in=issued.expires_in,
        scope=issued.scope,
    )
