"""Hostile citizens against the bundle routes, on the real app with the workflow engine
running in this process (SQLite, or PostgreSQL with ELICENSE_DATABASE_URL).

* IDOR: a stranger, a party of another application and a guardian who is not named
  get on every route (read, resolve, submit, cancel) the very 404 a missing id gets.
* A party who is not the applicant cannot resolve, submit or cancel (409).
* Naming: yourself in a second role, one person twice, a minor as a parent, a USCC, a
  number with a bad check digit, someone with no account, a role nothing verifies
  (whose certificates would be minted onto a typed number).
* Bad input: wrong types, unknown fields, control and bidi characters, huge strings,
  deep nesting, 10,000 presented credentials: typed 413/422, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app_fixtures import FixedClock
from tests.wallet.bundles.hostile_world import (
    APPS,
    FATHER,
    MINOR,
    MISSING,
    MOTHER,
    NEW,
    NO_ACCOUNT,
    STRANGER,
    approved,
    created,
    family_services,
    family_world,
)
from wallet.accounts.service import AccountService
from wallet.server.settings import Settings
from wallet.server.wiring import Services

ACTIONS: list[tuple[str, str, Any]] = [
    ("GET", "", None),
    ("POST", "/resolve", {"field": "address", "value": "上海市"}),
    ("POST", "/submit", {"typed": {"baby_name": "林小宝"}}),
    ("POST", "/cancel", None),
]


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    yield from family_services(settings, clock)


@pytest.fixture
def world(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> Iterator[dict[str, dict[str, str]]]:  # fmt: skip
    yield from family_world(client, admin_headers, services)


def _same_as_missing(client: TestClient, headers: dict[str, str], app_id: str) -> None:
    for method, tail, body in ACTIONS:
        theirs = client.request(method, f"{APPS}/{app_id}{tail}", json=body, headers=headers)
        missing = client.request(method, f"{APPS}/{MISSING}{tail}", json=body, headers=headers)
        assert theirs.status_code == missing.status_code == 404, (tail, theirs.text)
        assert theirs.json() == missing.json()
        assert theirs.headers.get("content-length") == missing.headers.get("content-length")


def test_a_party_of_another_application_is_a_stranger_to_this_one(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    ready = created(client, world[MOTHER])
    body = approved(client, world, ready)  # the richest state: form, conflicts, consent
    assert body["conflicts"]
    # 陈强 files his own application naming 张伟: he is a party of that one only.
    theirs = created(client, world[STRANGER], father=FATHER)
    _same_as_missing(client, world[STRANGER], ready)
    # ... and the mother, applicant of hers, is a stranger to 陈强's.
    _same_as_missing(client, world[MOTHER], theirs)
    assert [a["id"] for a in client.get(APPS, headers=world[STRANGER]).json()] == [theirs]
    # Nothing the stranger tried changed the application.
    after = client.get(f"{APPS}/{ready}", headers=world[MOTHER]).json()
    assert (after["state"], after["conflicts"]) == ("awaiting_submit", body["conflicts"])


def test_a_guardian_not_named_in_the_application_sees_nothing(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    # The child role may be a minor; the guardian of that minor who holds no role here
    # (the stranger, say) is not a party, whatever the consent feature lets them do.
    app_id = created(client, world[MOTHER], father=FATHER, child=MINOR)
    _same_as_missing(client, world[STRANGER], app_id)


def test_a_party_who_is_not_the_applicant_cannot_act(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    app_id = created(client, world[MOTHER])
    approved(client, world, app_id)
    for _, tail, body in ACTIONS[1:]:
        response = client.post(f"{APPS}/{app_id}{tail}", json=body, headers=world[FATHER])
        assert response.status_code == 409, (tail, response.text)
        assert response.json()["error"]["code"] == "application_closed"
    seen = client.get(f"{APPS}/{app_id}", headers=world[FATHER]).json()
    assert (seen["state"], seen["submitted_form"]) == ("awaiting_submit", None)
    assert [e["kind"] for e in seen["timeline"]].count("resolved") == 0


@pytest.mark.parametrize(
    ("holders", "field", "code"),
    [
        ({"father": MOTHER}, "holders.father", "invalid_input"),  # herself as the father
        ({"father": MOTHER.lower()}, "holders.father", "invalid_input"),  # lower-case x
        ({"father": FATHER, "child": FATHER}, "holders.child", "invalid_input"),  # twice
        ({"father": MINOR}, "holders.father", "invalid_input"),  # a minor as a parent
        ({"father": FATHER, "witness": STRANGER}, "holders.witness", "invalid_input"),
        ({"father": "91310000MA1FL8XQ30"}, "holders.father", "invalid_code"),  # a USCC
        ({"father": FATHER[:-1] + "0"}, "holders.father", "check_digit_mismatch"),
        ({"father": "３１０１０４１９９００３１５１２３Ｘ"}, "holders.father", "invalid_code"),
        ({"father": "\u202e1010419900315123X"}, "holders.father", "invalid_code"),
        ({"father": FATHER[:-1] + "\x00"}, "holders.father", "invalid_code"),
    ],
)  # fmt: skip
def test_naming_the_wrong_person_is_refused_before_anything_starts(
    client: TestClient, world: dict[str, dict[str, str]],
    holders: dict[str, str], field: str, code: str,
) -> None:  # fmt: skip
    response = client.post(NEW, json={"holders": holders}, headers=world[MOTHER])
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["field"] == field
    assert client.get(APPS, headers=world[MOTHER]).json() == []  # nothing stored


def test_a_minor_may_hold_a_role_a_guardian_consents_for(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    app_id = created(client, world[MOTHER], father=FATHER, child=MINOR)
    body = client.get(f"{APPS}/{app_id}", headers=world[MOTHER]).json()
    assert body["holders"] == {"mother": MOTHER, "father": FATHER, "child": MINOR}


def test_someone_without_an_account_may_be_named_and_the_application_waits(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    # Their consent is theirs to give once they sign up; nothing else happens meanwhile.
    app_id = created(client, world[MOTHER], father=NO_ACCOUNT)
    body = client.get(f"{APPS}/{app_id}", headers=world[MOTHER]).json()
    assert body["state"] == "awaiting_consent"
    submit = client.post(f"{APPS}/{app_id}/submit", json={}, headers=world[MOTHER])
    assert submit.json()["error"]["code"] == "application_closed"


def _raw(client: TestClient, headers: dict[str, str], path: str, text: str) -> Any:
    return client.post(
        path, content=text.encode(), headers={**headers, "content-type": "application/json"}
    )


def test_oversized_and_deeply_nested_bodies_are_413_or_422(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    headers = world[MOTHER]
    app_id = created(client, headers)
    deep = "[" * 50_000 + "1" + "]" * 50_000
    nested = '{"holders": {"father": "' + FATHER + '"}, "x": ' + deep + "}"
    cases = [
        (NEW, nested),
        (NEW, json.dumps({"holders": {"father": "1" * 2_000_000}})),
        (NEW, json.dumps({"holders": {"father": FATHER}, "presented": [
            {"role": "mother", "type": "resident_id", "credential": "EL1:X"}] * 10_000})),
        (f"{APPS}/{app_id}/resolve", json.dumps({"field": "address", "value": "址" * 100_000})),
        (f"{APPS}/{app_id}/submit", json.dumps({"typed": {"baby_name": "宝" * 100_000}})),
    ]  # fmt: skip
    for path, text in cases:
        response = _raw(client, headers, path, text)
        assert response.status_code == 413, (path, response.status_code)
        assert response.json()["error"]["code"] == "payload_too_large"
    deep_but_small = '{"holders": ' + '{"a":' * 2000 + "{}" + "}" * 2000 + "}"
    response = _raw(client, headers, NEW, deep_but_small)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize(
    ("tail", "body", "field"),
    [
        ("/resolve", {"field": "address", "value": None}, "value"),
        ("/resolve", {"field": "address", "value": ["上海"]}, "value"),
        ("/resolve", {"field": "address", "value": {"$ne": 1}}, "value"),
        ("/resolve", {"field": "address", "value": True}, None),
        ("/resolve", {"field": "address", "value": "x" * 201}, "value"),
        ("/resolve", {"field": "Address\u202e", "value": "x"}, "field"),
        ("/resolve", {"field": "address", "value": "x", "extra": 1}, "extra"),
        ("/resolve", {"field": "mother_name", "value": "李娜"}, "field"),  # not in conflict
        ("/resolve", [], None),
        ("/submit", {"typed": {"baby_name": "林小宝\u202e"}}, "baby_name"),
        ("/submit", {"typed": {"baby_name": "林\x00宝"}}, "baby_name"),
        ("/submit", {"typed": {"baby_name": 7}}, "typed.baby_name"),
        ("/submit", {"typed": {"address": "伪造的地址"}}, "address"),  # not a typed field
        ("/submit", {"typed": {f"f{n}": "x" for n in range(33)}}, "typed"),
        ("/submit", {"typed": [], "more": 1}, None),
    ],
)  # fmt: skip
def test_bad_resolve_and_submit_bodies_are_422_naming_the_field(
    client: TestClient, world: dict[str, dict[str, str]],
    tail: str, body: Any, field: str | None,
) -> None:  # fmt: skip
    app_id = created(client, world[MOTHER])
    approved(client, world, app_id)
    if tail == "/submit":  # past the conflict, so the typed value is what is judged
        ok = client.post(f"{APPS}/{app_id}/resolve", headers=world[MOTHER],
                         json={"field": "address", "value": "上海市"})  # fmt: skip
        assert ok.status_code == 200, ok.text
    response = client.post(f"{APPS}/{app_id}{tail}", json=body, headers=world[MOTHER])
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    if field is not None:  # a union's members are named after it: value.constrained-str
        named = response.json()["error"]["field"]
        assert named == field or named.startswith(f"{field}.constrained-str"), named
    after = client.get(f"{APPS}/{app_id}", headers=world[MOTHER]).json()
    assert (after["state"], after["submitted_form"]) == ("awaiting_submit", None)
