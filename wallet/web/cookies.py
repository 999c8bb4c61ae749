"""Names of the web wallet's cookies and header, shared with the JSON API.

The session cookie carries a web session token from ``AccountService.login(kind="web")``.
Browsers send it on every request to this origin, so every state-changing request
authenticated by it must also carry the CSRF token in ``CSRF_HEADER`` (the pages get
it from a ``<meta name="csrf-token">`` rendered by the server from ``CSRF_COOKIE``).
"""

from __future__ import annotations

__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SESSION_COOKIE"]

SESSION_COOKIE = "elicense_session"
CSRF_COOKIE = "elicense_csrf"
CSRF_HEADER = "X-CSRF-Token"
