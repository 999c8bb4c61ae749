"""The report read from a real store (SQLite or PostgreSQL): wallet/bundles/reporting.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from issuers.codes.gb11643 import make_resident_id
from issuers.errors import NotFound
from tests.wallet.bundles.report_data import DEFINITION, MONDAY
from wallet.bundles.records import NewApplication, VerifiedCertificate
from wallet.bundles.reporting import bundle_report
from wallet.bundles.service import BundleService
from wallet.bundles.store import BundleStore

APPLICANT = make_resident_id("310112", date(1990, 3, 5), 2)


def _new(store: BundleStore, app_id: str) -> None:
    new = NewApplication(
        id=app_id,
        bundle="toy",
        bundle_version=1,
        applicant_code=APPLICANT,
        holders={"applicant": APPLICANT},
        presented=(),
        created_at=MONDAY,
        items=("first", "second"),
    )
    with store.writing() as conn:
        store.insert_application(conn, new)


def test_the_report_counts_what_the_store_holds(engine: Engine) -> None:
    store = BundleStore(engine)
    hour = timedelta(hours=1)
    for app_id in ("done-1", "rejected-1", "open-1"):
        _new(store, app_id)
    id_card = VerifiedCertificate("applicant", "resident_id", "1.2.156.x", "X", {"name": "王芳"})
    with store.writing() as conn:
        store.set_verified(conn, "done-1", [id_card], {}, [])
        store.update_item(conn, "done-1", "first", state="done", started_at=MONDAY,
                          finished_at=MONDAY + hour)  # fmt: skip
        store.update_item(conn, "done-1", "second", state="done", started_at=MONDAY + hour,
                          finished_at=MONDAY + 2 * hour)  # fmt: skip
        store.set_state(conn, "done-1", "completed", finished_at=MONDAY + 2 * hour)
        store.update_item(conn, "rejected-1", "first", state="rejected", started_at=MONDAY,
                          finished_at=MONDAY, note="no_marriage: 未找到婚姻登记记录")  # fmt: skip
        store.stop_waiting(conn, "rejected-1", MONDAY)
        store.set_state(conn, "rejected-1", "rejected", finished_at=MONDAY,
                        failed_item="first", failure_reason="未找到婚姻登记记录")  # fmt: skip
        store.set_state(conn, "open-1", "processing")
        store.update_item(conn, "open-1", "first", state="running", started_at=MONDAY)
    service = BundleService(store, {"toy": DEFINITION}, lambda: MONDAY)
    report = bundle_report(service, "toy", MONDAY + timedelta(days=7))
    assert (report.applications, report.completed, report.rejected, report.open) == (3, 1, 1, 1)
    assert report.completion_rate == pytest.approx(0.5)
    first = report.items[0]
    assert (first.done, first.rejected, first.open) == (1, 1, 1)
    assert first.elapsed.median_seconds == pytest.approx(3600)
    assert report.overall.median_seconds == pytest.approx(7200)
    [rejection] = report.rejections
    assert (rejection.item, rejection.code, rejection.reason_zh) == (
        "first",
        "no_marriage",
        "未找到婚姻登记记录",
    )
    assert report.materials_waived_total == 1  # the ID card of the completed one
    assert [(o.application_id, o.item) for o in report.overdue] == [("open-1", "first")]


def test_an_unknown_bundle_is_not_found(engine: Engine) -> None:
    service = BundleService(BundleStore(engine), {"toy": DEFINITION}, lambda: MONDAY)
    with pytest.raises(NotFound):
        bundle_report(service, "nope", MONDAY)
