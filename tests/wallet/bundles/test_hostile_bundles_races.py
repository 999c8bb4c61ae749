"""Hostile citizens racing the bundle routes with parallel requests (threads against the
real app, the workflow engine in this process; SQLite, or PostgreSQL with
ELICENSE_DATABASE_URL), and filing application after application.

* Many submits at once: exactly one is accepted, the others 409; the items run once.
* Submit against cancel, resolve against submit: whichever wins, the application ends
  in one consistent state (never submitted with a conflict left, never processed
  after being withdrawn).
* Many creates at once and one after another: the open and the daily limits hold
  (409 too_many_applications naming the limit), for this applicant only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.app_fixtures import FixedClock
from tests.wallet.bundles.hostile_world import (
    APPS,
    FATHER,
    MOTHER,
    MOTHER_ADDRESS,
    NEW,
    STRANGER,
    approved,
    created,
    family_services,
    family_world,
    until,
)
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide
from wallet.accounts.service import AccountService
from wallet.server.settings import Settings
from wallet.server.wiring import Services

BABY = {"typed": {"baby_name": "林小宝"}}
RESOLVE = {"field": "address", "value": MOTHER_ADDRESS}


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    yield from family_services(settings, clock)


@pytest.fixture
def world(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> Iterator[dict[str, dict[str, str]]]:  # fmt: skip
    yield from family_world(client, admin_headers, services)


def _at_once(calls: list[Callable[[], Response]]) -> list[Response]:
    """Run the calls in parallel threads released together."""
    gate = threading.Barrier(len(calls))

    def run(call: Callable[[], Response]) -> Response:
        gate.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _post(client: TestClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    return lambda: client.post(path, json=body, headers=headers)


def _settled(client: TestClient, headers: dict[str, str], app_id: str) -> Any:
    """The application once it has ended; then checked again after a pause, so a
    workflow still running cannot change it afterwards unseen."""
    final = {"completed", "rejected", "cancelled", "refused", "failed"}
    body = until(client, headers, app_id, lambda b: b["state"] in final)
    time.sleep(1.0)
    again = client.get(f"{APPS}/{app_id}", headers=headers).json()
    assert (again["state"], again["items"]) == (body["state"], body["items"])
    return again


def test_parallel_submits_dispatch_once(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    app_id = created(client, world[MOTHER])
    approved(client, world, app_id)
    assert client.post(f"{APPS}/{app_id}/resolve", json=RESOLVE,
                       headers=world[MOTHER]).status_code == 200  # fmt: skip
    answers = _at_once([_post(client, f"{APPS}/{app_id}/submit", BABY, world[MOTHER])] * 8)
    assert sorted(a.status_code for a in answers) == [200] + [409] * 7
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {
        "application_closed"
    }
    done = _settled(client, world[MOTHER], app_id)
    assert done["state"] == "completed"
    kinds = [e["kind"] for e in done["timeline"]]
    assert kinds.count("submitted") == 1
    assert kinds.count("item_started") == 3
    assert kinds.count("item_done") == 3


def test_submit_against_cancel_ends_one_way(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    app_id = created(client, world[MOTHER])
    approved(client, world, app_id)
    client.post(f"{APPS}/{app_id}/resolve", json=RESOLVE, headers=world[MOTHER])
    submit, cancel = _at_once([
        _post(client, f"{APPS}/{app_id}/submit", BABY, world[MOTHER]),
        _post(client, f"{APPS}/{app_id}/cancel", None, world[MOTHER]),
    ])  # fmt: skip
    assert cancel.status_code == 200, cancel.text  # open either way: cancel wins or follows
    assert submit.status_code in (200, 409), submit.text
    body = _settled(client, world[MOTHER], app_id)
    assert body["state"] == "cancelled"
    kinds = [e["kind"] for e in body["timeline"]]
    assert "completed" not in kinds
    # running items finish; the grant is withdrawn with the application
    assert kinds[-1] in ("cancelled", "consent_withdrawn", "item_done", "item_stopped")
    assert kinds.count("consent_withdrawn") == 1
    if submit.status_code == 409:  # withdrawn before it was submitted: nothing ran
        assert body["submitted_form"] is None
        assert {i["state"] for i in body["items"]} == {"stopped"}


def test_cancel_against_the_last_approval_stays_cancelled(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    app_id = created(client, world[MOTHER])
    body = until(client, world[MOTHER], app_id, lambda b: b["consent_request_id"] is not None)
    request_id = body["consent_request_id"]
    assert decide(client, world[MOTHER], request_id).status_code == 200
    approve, cancel = _at_once([
        lambda: decide(client, world[FATHER], request_id),
        _post(client, f"{APPS}/{app_id}/cancel", None, world[MOTHER]),
    ])  # fmt: skip
    assert cancel.status_code == 200, cancel.text
    assert approve.status_code in (200, 409), approve.text  # 409: withdrawn first
    body = _settled(client, world[MOTHER], app_id)
    assert body["state"] == "cancelled"
    assert {i["state"] for i in body["items"]} == {"stopped"}
    late = client.post(f"{APPS}/{app_id}/submit", json=BABY, headers=world[MOTHER])
    assert late.json()["error"]["code"] == "application_closed"
    assert client.get("/wallet/consent/grants", headers=world[FATHER]).json() == []


def test_resolve_against_submit_never_submits_a_conflict(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    app_id = created(client, world[MOTHER])
    approved(client, world, app_id)
    resolve, submit = _at_once([
        _post(client, f"{APPS}/{app_id}/resolve", RESOLVE, world[MOTHER]),
        _post(client, f"{APPS}/{app_id}/submit", BABY, world[MOTHER]),
    ])  # fmt: skip
    assert resolve.status_code == 200, resolve.text  # resolving never races past submit
    if submit.status_code == 409:
        assert submit.json()["error"]["code"] == "form_conflict"
        again = client.post(f"{APPS}/{app_id}/submit", json=BABY, headers=world[MOTHER])
        assert again.status_code == 200, again.text
    else:
        assert submit.status_code == 200, submit.text
    body = _settled(client, world[MOTHER], app_id)
    assert body["state"] == "completed"
    assert body["submitted_form"]["address"] == MOTHER_ADDRESS


def test_parallel_creates_cannot_beat_the_open_limit(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    body = {"holders": {"father": FATHER}}
    answers = _at_once([_post(client, NEW, body, world[MOTHER])] * 8)
    assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 5
    refused = next(a for a in answers if a.status_code == 409).json()["error"]
    assert refused["code"] == "too_many_applications"
    assert refused["details"] == {"limit": "open", "max": 3, "bundle": "tiny_bundle"}
    assert len(client.get(APPS, headers=world[MOTHER]).json()) == 3


def test_the_open_limit_frees_a_place_when_one_is_withdrawn(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    first = [created(client, world[MOTHER]) for _ in range(3)]
    refused = client.post(NEW, json={"holders": {"father": FATHER}}, headers=world[MOTHER])
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["limit"] == "open"
    assert client.post(f"{APPS}/{first[0]}/cancel", headers=world[MOTHER]).status_code == 200
    created(client, world[MOTHER])
    # Another applicant naming the same father is not counted against her.
    created(client, world[STRANGER], father=FATHER)


def test_filing_and_withdrawing_in_a_loop_stops_for_a_day(
    client: TestClient, world: dict[str, dict[str, str]], clock: FixedClock
) -> None:
    # Each application sends a consent request to the father's wallet: spam, bounded.
    for _ in range(10):
        app_id = created(client, world[MOTHER])
        assert client.post(f"{APPS}/{app_id}/cancel", headers=world[MOTHER]).status_code == 200
    refused = client.post(NEW, json={"holders": {"father": FATHER}}, headers=world[MOTHER])
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "too_many_applications"
    assert refused.json()["error"]["details"] == {
        "limit": "recent", "max": 10, "bundle": "tiny_bundle",
    }  # fmt: skip
    # ... and none of the ten is left pending in the father's wallet (withdrawn).
    deadline = time.monotonic() + 20
    while client.get("/wallet/consent/requests", headers=world[FATHER]).json():
        assert time.monotonic() < deadline, "a withdrawn application's request is pending"
        time.sleep(0.1)
    clock.now += timedelta(hours=24, minutes=1)
    created(client, login(client, MOTHER))  # a new session: the old one expired
