"""The one place where errors become HTTP responses.

Every error body has the same shape: ``{"error": {"code", "message", "field"?,
"details"?}}``. Routes raise :class:`issuers.errors.ElicenseError` subclasses; they
never build ``HTTPException`` strings.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles

from issuers.errors import ElicenseError, InvalidClient, OAuthError, Unauthorized
from issuers.store.faults import storage_error
from wallet.server.request_log import REQUEST_ID_HEADER, route_template

log = logging.getLogger("elicense.http")

_STARLETTE_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": body}, status_code=status, headers=headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """``Allow`` for a 405 (RFC 9110 §15.5.6: "the target resource's currently supported
    methods"). Starlette names only the methods of the first route whose path matched,
    and GET, PUT and DELETE of one path are three routes; so ask every route, through
    the public ``BaseRoute.matches``, which methods it would take for this path.
    Mounts match any method below their prefix, so they are not asked; a 405 from a
    static-files mount (the endpoint its scope names) is for GET and HEAD, which an
    empty Allow would deny (RFC 9110 §10.2.1)."""
    if isinstance(request.scope.get("endpoint"), StaticFiles):
        return "GET, HEAD"
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")  # wallet.server.head_requests answers it
    return ", ".join(allowed)


def oauth_error_response(exc: OAuthError) -> JSONResponse:
    """The token endpoint's errors, in RFC 6749 §5.2's own shape (not ours):
    ``{"error", "error_description"}``, never cached; a failed client authentication
    answers 401 with a Basic challenge (§5.2: "invalid_client")."""
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if isinstance(exc, InvalidClient):
        headers["WWW-Authenticate"] = 'Basic realm="elicense"'
    body = {"error": exc.code, "error_description": exc.message}
    return JSONResponse(body, status_code=exc.status, headers=headers)


def bearer_challenge(exc: Unauthorized | ElicenseError) -> str:
    """``WWW-Authenticate`` for a 401: RFC 6750 §3 names the error for a bad token."""
    if exc.code == "invalid_token":
        return 'Bearer error="invalid_token"'
    return "Bearer"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ElicenseError)
    async def _elicense(_: Request, exc: ElicenseError) -> JSONResponse:
        if isinstance(exc, OAuthError):
            return oauth_error_response(exc)
        headers = {"WWW-Authenticate": bearer_challenge(exc)} if exc.status == 401 else None
        retry_after = getattr(exc, "retry_after", None)  # Busy, DatabaseUnavailable, ...
        if isinstance(retry_after, int):
            headers = {"Retry-After": str(retry_after)}
        return error_response(exc.status, exc.to_dict(), headers)

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        # The database unreachable, read-only, full or busy (issuers.store.faults):
        # a typed answer, logged without the driver's text (it can quote data).
        typed = storage_error(exc)
        if typed is None:
            return await _unexpected(request, exc)
        log.warning(
            "%s on %s %s (%s)", typed.code, request.method, _route(request), type(exc).__name__,
            extra={"fields": {"request_id": _request_id(request)}},
        )  # fmt: skip
        return await _elicense(request, typed)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": str(err.get("msg", "")),
                "code": str(err.get("type", "")),
            }
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"field": None, "message": "invalid request"}
        body = {
            "code": "invalid_input",
            "message": f"{first['field']}: {first['message']}"
            if first["field"]
            else str(first["message"]),
            "field": first["field"] or None,
            "details": problems,
        }
        return error_response(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's only bare 400 is a body it could not decode (e.g. bad UTF-8):
            # malformed input like any other, so the same typed 422.
            body = {"code": "invalid_input", "message": f"request body: {exc.detail}"}
            return error_response(422, body)
        code = _STARLETTE_CODES.get(exc.status_code, "http_error")
        body = {"code": code, "message": str(exc.detail)}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return error_response(exc.status_code, body, headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The route's template, not the path; the exception by type and frames only
        # (wallet.server.logs): neither may quote what the request carried.
        log.exception(
            "unhandled error on %s %s", request.method, _route(request),
            extra={"fields": {"request_id": _request_id(request)}},
        )  # fmt: skip
        # Answered outside the request log's middleware: the id it logged, for support.
        rid = _request_id(request)
        headers = {REQUEST_ID_HEADER: rid} if rid else None
        body = {"code": "internal_error", "message": "internal error"}
        return error_response(500, body, headers)


def _route(request: Request) -> str:
    return route_template(request.scope) or "(no route)"


def _request_id(request: Request) -> str | None:
    state = request.scope.get("state") or {}
    found = state.get("request_id") if isinstance(state, dict) else None
    return found if isinstance(found, str) else None
