"""What the hostile bundle tests share (not a test module): the app over the test's
database with a small family bundle and the workflow engine (DBOS) in this process,
three signed-in citizens, and helpers to drive an application to a state.

The family bundle is the engine tests' tiny bundle (mother files, father consents,
three items) plus a ``child`` role a guardian consents for (it may be a minor; its
card is optional) and a ``witness`` role that supplies nothing (so nobody may name it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from issuers.codes.gb11643 import make_resident_id
from tests.app_fixtures import FixedClock
from tests.helpers import CHEN_QIANG
from tests.wallet.bundles.engine_setup import (
    _ID_CLAIMS,
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
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.engine.shutdown import seal
from wallet.bundles.records import FINAL_STATES
from wallet.server import demo
from wallet.server.app import prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services

APPS = "/wallet/bundles/applications"
NEW = "/wallet/bundles/tiny_bundle/applications"
MISSING = "no-such-application-0000000000000"
MOTHER_ADDRESS = "上海市闵行区七莘路1号"
STRANGER = CHEN_QIANG
MINOR = make_resident_id("310104", date(2016, 5, 20), 31)  # ten years old in 2026
NO_ACCOUNT = make_resident_id("110101", date(1990, 3, 7), 1)  # valid, nobody's account

__all__ = [
    "APPS",
    "FATHER",
    "MINOR",
    "MISSING",
    "MOTHER",
    "MOTHER_ADDRESS",
    "NEW",
    "NO_ACCOUNT",
    "STRANGER",
    "approved",
    "created",
    "family_bundle",
    "family_services",
    "family_world",
    "quiesce",
    "until",
]


def family_bundle(*, father_presents: bool = False) -> BundleDefinition:
    """``father_presents``: the father's ID card may be presented as a QR credential
    from another region instead of being asked for."""
    raw = tiny_bundle().model_dump(mode="json")
    if father_presents:
        next(s for s in raw["supplies"] if s["role"] == "father")["cross_region"] = True
    raw["roles"].append(
        {"code": "child", "name_zh": "子女", "consents": False, "guardian_roles": ["mother"]}
    )
    raw["roles"].append({"code": "witness", "name_zh": "见证人", "consents": False})
    raw["supplies"].append(
        {"role": "child", "type": "resident_id", "claims": _ID_CLAIMS, "optional": True,
         "material_zh": "子女身份证复印件"}
    )  # fmt: skip
    return BundleDefinition.model_validate(raw)


def family_services(
    settings: Settings, clock: FixedClock, definition: BundleDefinition | None = None
) -> Iterator[Services]:
    bundles = {"tiny_bundle": definition or family_bundle()}
    services = build_services(settings, clock, bundles=bundles)
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    register_client(services)
    yield services
    seal(services.engine)  # disposed, and no connection for a workflow thread left running


def family_world(
    client: TestClient, admin_headers: dict[str, str], services: Services
) -> Iterator[dict[str, dict[str, str]]]:
    """The parents' cards minted (addresses differ: a conflict), the engine running,
    mother, father and a stranger signed in."""
    mint_parents(client, admin_headers, mother_address=MOTHER_ADDRESS)
    runtime = launched(services, KeyedMinter())
    try:
        yield {who: login(client, who) for who in (MOTHER, FATHER, STRANGER)}
    finally:
        quiesce(services)
        runtime.destroy()


def quiesce(services: Services, timeout: float = 20.0) -> None:
    """Wait until every application's workflow is waiting or ended, so destroying the
    runtime stops no step half-way (DBOS would log it failing on a closed database)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with services.bundles.store.reading() as conn:
            applications = services.bundles.store.applications_of_bundle(conn)
        if all(_resting(a.state, a.consent_request_id) for a in applications):
            return
        time.sleep(0.05)


def _resting(state: str, consent_request_id: str | None) -> bool:
    if state == "awaiting_consent":
        return consent_request_id is not None
    return state in ("awaiting_submit", *FINAL_STATES)


def until(
    client: TestClient, headers: dict[str, str], app_id: str, done: Callable[[Any], bool]
) -> Any:
    deadline = time.monotonic() + 30
    while True:
        body = client.get(f"{APPS}/{app_id}", headers=headers).json()
        if done(body):
            return body
        assert time.monotonic() < deadline, f"timed out; last seen {body}"
        time.sleep(0.05)


def created(client: TestClient, headers: dict[str, str], **holders: str) -> str:
    response = client.post(NEW, json={"holders": holders or {"father": FATHER}}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def approved(client: TestClient, world: dict[str, dict[str, str]], app_id: str) -> Any:
    """Both parents approve the one consent request; the form is then prefilled."""
    body = until(client, world[MOTHER], app_id, lambda b: b["consent_request_id"] is not None)
    for who in (MOTHER, FATHER):
        assert decide(client, world[who], body["consent_request_id"]).status_code == 200
    return until(client, world[MOTHER], app_id, lambda b: b["state"] == "awaiting_submit")
