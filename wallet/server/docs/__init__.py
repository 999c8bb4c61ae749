"""The front page (``/``) and the interactive API docs (``/docs``, Swagger UI).

Swagger UI's script and CSS are a packaged copy served from this origin
(``/static/docs``), never a CDN: a script loaded from elsewhere into the wallet's
origin could read its pages and act with its cookies, and FastAPI's default page loads
one with no integrity check. The copy comes from the ``fastapi-offline`` package
(pinned in pyproject.toml), which ships current Swagger UI releases as plain files;
we use its files only, and render our own page: FastAPI's starts Swagger UI with an
inline script, which the pages' Content-Security-Policy (``script-src 'self'``)
forbids, so ours names the OpenAPI document in a data attribute and starts Swagger UI
from ``static/swagger-init.js``. Both pages get the same security headers as every
other page (:func:`verifiers.web.pages.render`).

ReDoc and the OAuth2 redirect page are not served: ReDoc brought its own CDN script
and fonts, and this API has no OAuth2 flow for the redirect page to complete (its
tokens are plain bearer tokens, which Swagger UI's Authorize button takes as they are).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Final

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.staticfiles import PathLike
from starlette.types import Scope

from verifiers.web.pages import page_environment, render

__all__ = ["DOCS_PATH", "STATIC_PATH", "install"]

DOCS_PATH: Final = "/docs"
STATIC_PATH: Final = "/static/docs"
_HERE = Path(__file__).resolve().parent
# Swagger UI's files as packaged, and our starter from static/. Nothing else: the
# package also ships ReDoc's script, which no page here uses.
_SWAGGER_UI: Final = ("fastapi_offline", "static")
_SERVED: Final = frozenset(
    {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png", "swagger-init.js"}
)


class _Assets(StaticFiles):
    """The listed files only, which a browser may not sniff into another type."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if path not in _SERVED:
            return "", None
        return super().lookup_path(path)

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


@cache
def _environment() -> jinja2.Environment:
    return page_environment(_HERE / "templates")


def install(app: FastAPI) -> None:
    """Serve ``/``, ``/docs`` and their assets. Build ``app`` with ``docs_url=None``,
    ``redoc_url=None`` and ``swagger_ui_oauth2_redirect_url=None``."""
    app.mount(
        STATIC_PATH,
        _Assets(directory=_HERE / "static", packages=[_SWAGGER_UI]),
        name="docs-static",
    )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        return render(_environment(), request, "index.html", {})

    @app.get(DOCS_PATH, response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return render(
            _environment(),
            request,
            "docs.html",
            {"title": app.title, "openapi_path": app.openapi_url, "assets": STATIC_PATH},
        )
