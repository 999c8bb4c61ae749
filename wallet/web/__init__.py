"""Server-rendered web wallet pages (``/web/...``) for citizens.

``install(app)`` adds the pages, their static files under ``/static/web`` and the
redirect to the login page for requests without a live session.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from wallet.web import (
    admin_pages,
    audit_page,
    bundle_actions,
    bundle_pages,
    consent_pages,
    delegation_pages,
)
from wallet.web.routes import router
from wallet.web.session import install_login_redirect

__all__ = ["STATIC_PATH", "install", "router"]

STATIC_PATH = "/static/web"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(audit_page.router)  # /web/audit: 谁用了我的证照
    app.include_router(consent_pages.router)  # /web/consent, /web/grants: 用证授权
    app.include_router(delegation_pages.router)  # /web/delegations: 委托
    app.include_router(bundle_pages.router)  # /web/bundles: 一件事一次办
    app.include_router(bundle_actions.router)  # its forms: start, resolve, submit, cancel
    app.include_router(admin_pages.router)  # /web/admin: the operator's reports
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="web-static")
    install_login_redirect(app)
