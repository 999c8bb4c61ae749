"""One log line per HTTP request, and its request id (pure ASGI middleware).

The line (logger ``elicense.access``, message ``request``) carries ``method``, the
``route`` *template* the router matched (``/wallet/certificates/{identifier}``; a static
mount as ``/static/web/{path}``; ``null`` when nothing matched, since an unmatched path
can carry anything), ``status``, ``duration_ms`` and ``request_id``; the formatter adds
the worker's ``pid``. Never the raw path, the query string, a header or a body.

The request id is the incoming ``X-Request-ID`` when it is sane (8-64 characters of
``[A-Za-z0-9._-]``, and no run of 15 digits once ``.``, ``_`` and ``-`` are
dropped, which an ID number would be) and a new
random one otherwise; it is sent back in the response's ``X-Request-ID`` and kept in
``scope["state"]["request_id"]`` for the app's own records. An exception that escapes
the app is logged as status 500 (the error handler answers it) and raised on.

Cost: a clock read, one header scan and one log record per request (measured in
``benchmarks/request_log.py``).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["REQUEST_ID_HEADER", "RequestLog", "route_template"]

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER = REQUEST_ID_HEADER.lower().encode()
_SANE = re.compile(rb"[A-Za-z0-9._-]{8,64}")
_DIGITS = re.compile(rb"[0-9]{15}")
_log = logging.getLogger("elicense.access")


def request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == _HEADER:
            # Separators are dropped before looking for digits: 320102-19920708-2466 is
            # an ID number all the same.
            if _SANE.fullmatch(value) and not _DIGITS.search(value.translate(None, b"._-")):
                return str(value.decode("ascii"))
            break
    return secrets.token_hex(8)


def route_template(scope: Scope) -> str | None:
    """The path template of the route the router matched; None when nothing matched.

    FastAPI's routes leave themselves in ``scope["route"]`` (under a mount's prefix when
    a mounted app routed them); a mount (static files) leaves only its prefix in
    ``root_path``, read as ``<prefix>/{path}``; a plain Starlette route
    (``/openapi.json``) only its endpoint, and its path is its template when it took no
    parameter."""
    prefix = str(scope.get("root_path", ""))[len(str(scope.get("app_root_path", ""))) :]
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and not isinstance(route, Mount):
        return (prefix.rstrip("/") + path) or "/"
    if "endpoint" not in scope:
        return None
    if prefix:
        return prefix.rstrip("/") + "/{path}"
    return None if scope.get("path_params") else str(scope["path"])


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        header = (_HEADER, rid.encode("ascii"))
        status = 500  # what the client gets if the app raises before answering

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                if not any(name.lower() == _HEADER for name, _ in headers):
                    headers.append(header)  # unless an error handler set it already
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            if _log.isEnabledFor(logging.INFO):
                # makeRecord + handle: Logger.info's caller lookup is a fifth of the cost.
                fields = {"fields": _fields(scope, status, started, rid)}
                _log.handle(_log.makeRecord(_log.name, logging.INFO, __file__, 0, "request",
                                            (), None, extra=fields))  # fmt: skip


def _fields(scope: Scope, status: int, started: float, rid: str) -> dict[str, Any]:
    return {
        "method": scope["method"],
        "route": route_template(scope),
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "request_id": rid,
    }
