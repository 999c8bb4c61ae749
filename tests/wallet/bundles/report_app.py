"""An app with the report's routes and pages over a real store, for their tests.

Built like the real app (the same services, provided by type, the same error handlers)
around a hand-made bundle (:mod:`tests.wallet.bundles.report_data`) and its stored
applications: one completed, one rejected, one open and overdue.
"""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import FastAPI
from sqlalchemy import Engine

from issuers.api.directory import AdminToken
from issuers.api.provided import provide
from issuers.codes.gb11643 import make_resident_id
from tests.app_fixtures import TEST_ADMIN_TOKEN, FixedClock
from tests.wallet.bundles.report_data import DEFINITION, MONDAY
from verifiers.web.pages import PublicAddress
from wallet.bundles.api import report as report_api
from wallet.bundles.records import NewApplication, VerifiedCertificate
from wallet.bundles.service import BundleService
from wallet.bundles.store import BundleStore
from wallet.server.error_handlers import install_error_handlers
from wallet.server.wiring import Services
from wallet.web import admin_pages, bundle_pages
from wallet.web.session import install_login_redirect

APPLICANT = make_resident_id("310112", date(1990, 3, 5), 2)
HOUR = timedelta(hours=1)


def store_applications(engine: Engine) -> BundleStore:
    store = BundleStore(engine)
    for app_id in ("done-1", "rejected-1", "open-1"):
        new = NewApplication(app_id, "toy", 1, APPLICANT, {"applicant": APPLICANT}, (), MONDAY,
                             ("first", "second"))  # fmt: skip
        with store.writing() as conn:
            store.insert_application(conn, new)
    card = VerifiedCertificate("applicant", "resident_id", "1.2.156.x", "X", {"name": "王芳"})
    with store.writing() as conn:
        store.set_verified(conn, "done-1", [card], {}, [])
        store.update_item(conn, "done-1", "first", state="done", started_at=MONDAY,
                          finished_at=MONDAY + HOUR)  # fmt: skip
        store.update_item(conn, "done-1", "second", state="done", started_at=MONDAY + HOUR,
                          finished_at=MONDAY + 2 * HOUR)  # fmt: skip
        store.set_state(conn, "done-1", "completed", finished_at=MONDAY + 2 * HOUR)
        store.update_item(conn, "rejected-1", "first", state="rejected", started_at=MONDAY,
                          finished_at=MONDAY, note="no_marriage: 未找到<婚姻>登记记录")  # fmt: skip
        store.stop_waiting(conn, "rejected-1", MONDAY)
        store.set_state(conn, "rejected-1", "rejected", finished_at=MONDAY)
        store.set_state(conn, "open-1", "processing")
        store.update_item(conn, "open-1", "first", state="running", started_at=MONDAY)
    return store


def report_app(services: Services, clock: FixedClock) -> FastAPI:
    """The report's routers and pages over ``services``' engine, at ``clock``."""
    store = store_applications(services.engine)
    bundles = BundleService(store, {"toy": DEFINITION}, clock)
    app = FastAPI()
    provide(
        app,
        bundles,
        services.verifier,
        services.accounts,
        AdminToken(TEST_ADMIN_TOKEN),
        PublicAddress("http://testserver"),
    )
    install_error_handlers(app)
    app.include_router(report_api.router)
    app.include_router(admin_pages.router)
    app.include_router(bundle_pages.router)
    install_login_redirect(app)
    return app
