"""Hostile credentials presented with an application (跨省: a QR credential instead of
a consent request), on the real app with the workflow engine in this process.

The family bundle lets the father's ID card be presented. Garbage Base45, a live
presentation (ELP1) that is not one, a certificate of another type, a revoked one, and
the mother's own card passed off as the father's each end the application ``failed``
with the verdict's code in its reason: nothing is pulled for it, no item runs,
nothing is minted. The father's real, valid card goes through (the control).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app_fixtures import FixedClock
from tests.helpers import PUBLIC_SECURITY
from tests.wallet.bundles.engine_setup import KeyedMinter, launched
from tests.wallet.bundles.hostile_world import (
    FATHER,
    MOTHER,
    NEW,
    family_bundle,
    family_services,
    quiesce,
    until,
)
from tests.wallet.citizens import login, mint_marriage
from tests.wallet.consent.consent_calls import decide
from tests.wallet.consent.share_calls import _ZHANG_ID, LI_NA_ID_FIELDS
from wallet.accounts.service import AccountService
from wallet.server.settings import Settings
from wallet.server.wiring import Services

CARDS = f"/issuers/{PUBLIC_SECURITY}/certificates"


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    yield from family_services(settings, clock, family_bundle(father_presents=True))


@pytest.fixture
def minted(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> dict[str, Any]:
    """Both parents' ID cards and their marriage certificate: identifiers and QR texts."""
    found: dict[str, Any] = {}
    for who, fields in (("father", _ZHANG_ID["fields"]), ("mother", LI_NA_ID_FIELDS)):
        answer = client.post(CARDS, json={"type": "resident_id", "fields": fields},
                             headers=admin_headers)  # fmt: skip
        assert answer.status_code == 201, answer.text
        found[who] = answer.json()
    found["marriage"] = mint_marriage(client, admin_headers)[1]
    return found


def _revoked(client: TestClient, admin_headers: dict[str, str], identifier: str) -> None:
    answer = client.post(f"{CARDS}/{identifier}/status", headers=admin_headers,
                         json={"status": "03", "reason": "测试吊销"})  # fmt: skip
    assert answer.status_code == 200, answer.text


def _run(client: TestClient, services: Services, credential: str) -> Any:
    """File with the father's card presented; the mother approves her own part."""
    runtime = launched(services, KeyedMinter())
    try:
        mother = login(client, MOTHER)
        shown = {"role": "father", "type": "resident_id", "credential": credential}
        body = {"holders": {"father": FATHER}, "presented": [shown]}
        answer = client.post(NEW, json=body, headers=mother)
        assert answer.status_code == 201, answer.text
        app_id = answer.json()["id"]
        assert "credential" not in answer.text  # the QR text is never read back
        seen = until(client, mother, app_id, lambda b: b["consent_request_id"] is not None)
        father = login(client, FATHER)
        assert client.get("/wallet/consent/requests", headers=father).json() in ([], {})
        assert decide(client, mother, seen["consent_request_id"]).status_code == 200
        final = ("failed", "awaiting_submit")
        return until(client, mother, app_id, lambda b: b["state"] in final)
    finally:
        quiesce(services)
        runtime.destroy()


@pytest.mark.parametrize(
    ("which", "code"),
    [
        ("garbage", "base45_invalid"),
        ("nul", "base45_invalid"),
        ("live", "compression_invalid"),
        ("marriage", "credential_invalid"),
        ("revoked", "revoked"),
        ("mothers", "holder_mismatch"),
    ],
)
def test_a_bad_presented_credential_fails_the_application_and_mints_nothing(
    client: TestClient, admin_headers: dict[str, str], services: Services,
    minted: dict[str, Any], which: str, code: str,
) -> None:  # fmt: skip
    credential = {
        "garbage": "EL1:%%%%~~~~ not base45",
        "nul": "EL1:\x00\u202e" + "\x00" * 100,
        "live": "ELP1:" + "A" * 120,
        "marriage": minted["marriage"],
        "revoked": minted["father"]["qr"],
        "mothers": minted["mother"]["qr"],
    }[which]
    if which == "revoked":
        _revoked(client, admin_headers, minted["father"]["identifier"])
    body = _run(client, services, credential)
    assert body["state"] == "failed", body
    assert code in (body["failure_reason"] or ""), body["failure_reason"]
    assert {i["state"] for i in body["items"]} <= {"waiting", "stopped"}
    assert all(i["outputs"] == [] for i in body["items"])
    assert body["verified"] == []  # nothing kept from what was pulled


def test_the_fathers_valid_card_presented_goes_through(
    client: TestClient, services: Services, minted: dict[str, Any]
) -> None:
    body = _run(client, services, minted["father"]["qr"])
    assert body["state"] == "awaiting_submit", body
    presented = [v for v in body["verified"] if v["cross_region"]]
    assert [(v["role"], v["type"]) for v in presented] == [("father", "resident_id")]
