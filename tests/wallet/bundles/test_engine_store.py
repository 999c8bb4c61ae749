"""The bundle store round-trips an application, its parties, items and timeline, and a
citizen who is not party to an application is told it does not exist."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from issuers.codes.gb11643 import make_resident_id
from issuers.errors import NotFound
from tests.app_fixtures import FIXED_NOW
from wallet.bundles.records import (
    FieldValue,
    FormConflictEntry,
    NewApplication,
    VerifiedCertificate,
)
from wallet.bundles.service import BundleService
from wallet.bundles.store import BundleStore

MOTHER = make_resident_id("310112", date(1990, 3, 5), 2)
FATHER = make_resident_id("310112", date(1989, 1, 1), 1)
STRANGER = make_resident_id("110105", date(1970, 1, 1), 3)


def test_an_application_round_trips_and_strangers_see_nothing(engine: Engine) -> None:
    store = BundleStore(engine)
    new = NewApplication(
        id="app-1",
        bundle="tiny",
        bundle_version=1,
        applicant_code=MOTHER,
        holders={"mother": MOTHER, "father": FATHER},
        presented=(),
        created_at=FIXED_NOW,
        items=("one", "two"),
    )
    with store.writing() as conn:
        store.insert_application(conn, new)
        store.add_event(conn, "app-1", FIXED_NOW, "created", "申请已提交")
        store.set_verified(
            conn,
            "app-1",
            [VerifiedCertificate("mother", "resident_id", "1.2.156", "X", {"name": "王芳"})],
            {"address": FieldValue("上海", "mother.resident_id.address")},
            [FormConflictEntry("address", (FieldValue("上海", "a"), FieldValue("北京", "b")))],
        )
        store.update_item(conn, "app-1", "one", state="done", finished_at=FIXED_NOW)
        assert store.stop_waiting(conn, "app-1", FIXED_NOW + timedelta(seconds=1)) == ["two"]
    service = BundleService(store, {}, lambda: FIXED_NOW)
    view = service.view(FATHER, "app-1")
    assert view.application.holders == {"mother": MOTHER, "father": FATHER}
    assert view.application.certificates() == {"mother": {"resident_id": {"name": "王芳"}}}
    assert view.application.conflicts[0].values[1].value == "北京"
    assert [(i.code, i.state) for i in view.items] == [("one", "done"), ("two", "stopped")]
    assert [e.kind for e in view.timeline] == ["created"]
    assert [a.id for a in service.applications_of(MOTHER)] == ["app-1"]
    assert service.applications_of(STRANGER) == []
    with pytest.raises(NotFound):
        service.view(STRANGER, "app-1")
    with pytest.raises(NotFound):
        service.view(MOTHER, "missing\x00")
