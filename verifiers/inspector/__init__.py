"""The inspector's web page (核验页面): paste, upload or scan a QR code, read the verdict.

``install(app)`` adds the page's routes and serves its static files (CSS and JS, also
used by the web wallet) under ``/static/inspector``; nothing comes from a CDN.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from verifiers.inspector.pages import STATIC_DIR
from verifiers.inspector.routes import BODY_SIZE_OVERRIDES, INSPECTOR_PATH, router

__all__ = ["BODY_SIZE_OVERRIDES", "INSPECTOR_PATH", "STATIC_PATH", "install", "router"]

STATIC_PATH = "/static/inspector"


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="inspector-static")
