"""The bundles over HTTP, with the workflow engine (DBOS) running in this process on the
test's database (SQLite, or PostgreSQL with ELICENSE_DATABASE_URL): the definitions,
create, read, list, resolve, submit, cancel; bad input 422; a stranger's application is
404 exactly as a missing one; a submit replayed after completion is 409."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app_fixtures import FixedClock
from tests.helpers import CHEN_QIANG
from tests.wallet.bundles.engine_setup import (
    FATHER,
    MOTHER,
    KeyedMinter,
    launched,
    mint_parents,
    register_client,
    tiny_bundle,
)
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide
from wallet.accounts.service import AccountService
from wallet.bundles.engine.shutdown import seal
from wallet.server import demo
from wallet.server.app import prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services

APPS = "/wallet/bundles/applications"
NEW = "/wallet/bundles/tiny_bundle/applications"
MISSING = "no-such-application-0000000000000"
MOTHER_ADDRESS = "上海市闵行区七莘路1号"


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    services = build_services(settings, clock, bundles={"tiny_bundle": tiny_bundle()})
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    register_client(services)
    yield services
    seal(services.engine)  # disposed, and no connection for a workflow thread left running


@pytest.fixture
def world(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> Iterator[dict[str, dict[str, str]]]:  # fmt: skip
    """The parents' certificates minted, the engine launched, everyone signed in."""
    mint_parents(client, admin_headers, mother_address=MOTHER_ADDRESS)
    runtime = launched(services, KeyedMinter())
    try:
        yield {who: login(client, who) for who in (MOTHER, FATHER, CHEN_QIANG)}
    finally:
        runtime.destroy()


def _until(
    client: TestClient, headers: dict[str, str], app_id: str, done: Callable[[Any], bool]
) -> Any:
    deadline = time.monotonic() + 20
    while True:
        body = client.get(f"{APPS}/{app_id}", headers=headers).json()
        if done(body):
            return body
        assert time.monotonic() < deadline, f"timed out; last seen {body.get('state')}"
        time.sleep(0.05)


def _created(client: TestClient, world: dict[str, dict[str, str]]) -> str:
    response = client.post(NEW, json={"holders": {"father": FATHER}}, headers=world[MOTHER])
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["state"] == "awaiting_consent"
    assert body["holders"] == {"mother": MOTHER, "father": FATHER}
    assert [i["state"] for i in body["items"]] == ["waiting"] * 3
    return str(body["id"])


def _approved(client: TestClient, world: dict[str, dict[str, str]], app_id: str) -> Any:
    body = _until(client, world[MOTHER], app_id, lambda b: b["consent_request_id"] is not None)
    for who in (MOTHER, FATHER):
        assert decide(client, world[who], body["consent_request_id"]).status_code == 200
    return _until(client, world[MOTHER], app_id, lambda b: b["state"] == "awaiting_submit")


def test_the_definitions_are_public(client: TestClient) -> None:
    listed = client.get("/bundles").json()
    assert [b["bundle"] for b in listed] == ["tiny_bundle"]
    assert listed[0]["items"] == ["one", "two", "three"]
    one = client.get("/bundles/tiny_bundle")
    assert one.status_code == 200
    assert one.json()["name_zh"] == "测试一件事"
    assert client.get("/bundles/nope").json()["error"]["code"] == "not_found"
    assert client.get("/bundles/Bad-Code").status_code == 422


def test_an_application_over_http_from_creation_to_completion(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    app_id = _created(client, world)
    body = _approved(client, world, app_id)
    assert body["conflicts"][0]["field"] == "address"
    assert {w["type"] for w in body["waived"]} == {"resident_id"}
    assert "claims" not in body["verified"][0]  # the form shows them, not the raw claims

    refused = client.post(f"{APPS}/{app_id}/submit", json={"typed": {"baby_name": "林小宝"}},
                          headers=world[MOTHER])  # fmt: skip
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "form_conflict"
    assert refused.json()["error"]["details"] == {"conflicts": ["address"], "missing": []}
    not_a_field = client.post(f"{APPS}/{app_id}/resolve", json={"field": "nope", "value": "x"},
                              headers=world[MOTHER])  # fmt: skip
    assert not_a_field.status_code == 422
    by_father = client.post(f"{APPS}/{app_id}/resolve",
                            json={"field": "address", "value": MOTHER_ADDRESS},
                            headers=world[FATHER])  # fmt: skip
    assert by_father.json()["error"]["code"] == "application_closed"  # a party, not applicant
    resolved = client.post(f"{APPS}/{app_id}/resolve",
                           json={"field": "address", "value": MOTHER_ADDRESS},
                           headers=world[MOTHER])  # fmt: skip
    assert resolved.status_code == 200
    assert resolved.json()["conflicts"] == []
    assert resolved.json()["form"]["address"] == {"value": MOTHER_ADDRESS, "source": "resolved"}
    wrong_kind = client.post(f"{APPS}/{app_id}/submit", json={"typed": {"baby_name": "Bob1"}},
                             headers=world[MOTHER])  # fmt: skip
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["error"]["field"] == "baby_name"
    submitted = client.post(f"{APPS}/{app_id}/submit", json={"typed": {"baby_name": "林小宝"}},
                            headers=world[MOTHER])  # fmt: skip
    assert submitted.status_code == 200, submitted.text
    done = _until(client, world[FATHER], app_id, lambda b: b["state"] == "completed")
    assert [(i["code"], i["state"]) for i in done["items"]] == [
        ("one", "done"), ("two", "done"), ("three", "done"),
    ]  # fmt: skip
    assert all(len(i["outputs"]) == 1 for i in done["items"])
    assert done["submitted_form"]["baby_name"] == "林小宝"
    assert done["timeline"][-1]["kind"] == "completed"

    replayed = client.post(f"{APPS}/{app_id}/submit", json={"typed": {"baby_name": "林小宝"}},
                           headers=world[MOTHER])  # fmt: skip
    assert replayed.status_code == 409
    assert replayed.json()["error"]["code"] == "application_closed"
    closed = client.post(f"{APPS}/{app_id}/cancel", headers=world[MOTHER])
    assert closed.status_code == 409

    for who, roles in ((MOTHER, ["mother"]), (FATHER, ["father"])):
        mine = client.get(APPS, headers=world[who]).json()
        assert [(a["id"], a["state"], a["roles"]) for a in mine] == [(app_id, "completed", roles)]
    assert client.get(APPS, headers=world[CHEN_QIANG]).json() == []


def test_a_strangers_application_is_404_as_a_missing_one(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    app_id = _created(client, world)
    stranger = world[CHEN_QIANG]
    calls: list[tuple[str, str, Any]] = [
        ("GET", "", None),
        ("POST", "/resolve", {"field": "address", "value": "x"}),
        ("POST", "/submit", {"typed": {}}),
        ("POST", "/cancel", None),
    ]
    for method, tail, body in calls:
        theirs = client.request(method, f"{APPS}/{app_id}{tail}", json=body, headers=stranger)
        missing = client.request(method, f"{APPS}/{MISSING}{tail}", json=body, headers=stranger)
        assert theirs.status_code == missing.status_code == 404, (tail, theirs.text)
        assert theirs.json() == missing.json()
    assert client.get(f"{APPS}/{app_id}").status_code == 401  # no session at all


def test_cancel_stops_an_open_application(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    app_id = _created(client, world)
    by_father = client.post(f"{APPS}/{app_id}/cancel", headers=world[FATHER])
    assert by_father.json()["error"]["code"] == "application_closed"
    cancelled = client.post(f"{APPS}/{app_id}/cancel", headers=world[MOTHER])
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert {i["state"] for i in cancelled.json()["items"]} == {"stopped"}
    again = client.post(f"{APPS}/{app_id}/cancel", headers=world[MOTHER])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "application_closed"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (NEW, {"holders": {}}, "holders.father"),  # a required role not named
        (NEW, {"holders": {"uncle": FATHER}}, "holders.uncle"),
        (NEW, {"holders": {"mother": FATHER}}, "holders.mother"),  # the applicant's own
        (NEW, {"holders": {"father": FATHER[:-1] + "0"}}, "holders.father"),  # check digit
        (NEW, {"holders": {"father": FATHER}, "colour": "red"}, "colour"),
        (NEW, {"holders": {"father": FATHER}, "presented": [
            {"role": "father", "type": "resident_id", "credential": "EL1:x"}]}, "presented[0]"),
        (NEW, {"holders": {"father": FATHER}, "presented": [
            {"role": "father", "type": "resident_id", "credential": "x" * 9000}]}, None),
        (NEW, {"holders": {"father": FATHER}, "presented": [
            {"role": "father", "type": "resident_id", "credential": "EL1:x"}] * 9}, None),
        (NEW, {"holders": {f"r{n}": FATHER for n in range(9)}}, None),
        (NEW, [], None),
    ],
)  # fmt: skip
def test_bad_input_is_422_naming_the_field(
    client: TestClient, accounts: AccountService, path: str, body: Any, field: str | None
) -> None:
    response = client.post(path, json=body, headers=login(client, MOTHER))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] in ("invalid_input", "check_digit_mismatch", "invalid_code")
    if field is not None:
        assert error["field"] == field


def test_an_unknown_bundle_is_404(client: TestClient, accounts: AccountService) -> None:
    response = client.post("/wallet/bundles/nope/applications", json={"holders": {}},
                           headers=login(client, MOTHER))  # fmt: skip
    assert response.status_code == 404
