"""The citizen's bundle pages over a real store (wallet/web/bundle_pages.py): the list,
one application with its items, promised times, form conflicts, waived materials and
outputs; a stranger is told nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from issuers.codes.gb11643 import make_resident_id
from tests.app_fixtures import FixedClock
from tests.wallet.bundles.report_app import APPLICANT, report_app
from tests.wallet.bundles.report_data import MONDAY
from wallet.bundles.records import FieldValue, FormConflictEntry
from wallet.bundles.store import BundleStore
from wallet.server.wiring import Services

STRANGER = make_resident_id("110105", date(1970, 1, 1), 3)
PASSWORD = "correct horse battery"


@pytest.fixture
def pages(services: Services, clock: FixedClock) -> Iterator[TestClient]:
    clock.now = MONDAY + timedelta(days=7)
    app = report_app(services, clock)
    store = BundleStore(services.engine)
    with store.writing() as conn:
        output = {"identifier": "1.2.156.3005.2.X", "type": "vaccination", "version": 1}
        store.update_item(conn, "done-1", "second", outputs=[output])
        store.set_state(conn, "open-1", "awaiting_submit")
        conflict = FormConflictEntry(
            "name",
            (
                FieldValue("王芳", "applicant.resident_id.name"),
                FieldValue("王<芳>", "applicant.household_register.name"),
            ),
        )
        store.set_form(conn, "open-1", {"name": FieldValue("王芳", "applicant.resident_id.name")},
                       [conflict])  # fmt: skip
        store.add_event(conn, "open-1", MONDAY, "created", "申请已创建")
    for who in (APPLICANT, STRANGER):
        services.accounts.register(who, "王芳" if who == APPLICANT else "路人", PASSWORD)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _as(client: TestClient, services: Services, who: str) -> None:
    issued = services.accounts.login(who, PASSWORD, "web")
    client.cookies.set("elicense_session", issued.token)
    client.cookies.set("elicense_csrf", str(issued.csrf_token))


def test_without_a_session_the_pages_send_to_the_login(pages: TestClient) -> None:
    answer = pages.get("/web/bundles", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/web/login")


def test_the_list_shows_the_bundles_and_my_applications(
    pages: TestClient, services: Services
) -> None:
    _as(pages, services, APPLICANT)
    page = pages.get("/web/bundles")
    assert page.status_code == 200
    assert 'data-bundle="toy"' in page.text
    for app_id in ("done-1", "rejected-1", "open-1"):
        assert f'data-application="{app_id}"' in page.text
    assert "24 → 0 份" in page.text  # materials, paper to one-stop


def test_one_application_shows_items_form_conflicts_and_outputs(
    pages: TestClient, services: Services
) -> None:
    _as(pages, services, APPLICANT)
    done = pages.get("/web/bundles/done-1").text
    assert 'data-item="first" data-state="done"' in done
    assert "公安分局" in done
    assert "承诺时限" in done
    assert 'href="/web/certificates/1.2.156.3005.2.X"' in done
    assert "居民身份证&lt;原件&gt;" in done  # waived, escaped
    open_page = pages.get("/web/bundles/open-1").text
    assert 'class="conflict problem"' in open_page
    assert "王&lt;芳&gt;" in open_page
    assert 'action="/web/bundles/open-1/resolve"' in open_page
    assert 'id="submit-form"' in open_page
    assert "已超过承诺时限" in open_page  # "first" has run a week of a 2-day promise
    assert "申请已创建" in open_page


def test_a_stranger_gets_the_same_404_as_for_nothing(pages: TestClient, services: Services) -> None:
    _as(pages, services, STRANGER)
    theirs = pages.get("/web/bundles/done-1")
    nothing = pages.get("/web/bundles/no-such-app")
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.text == nothing.text.replace("no-such-app", "done-1")
    assert 'data-application="' not in pages.get("/web/bundles").text
