"""A lost phone (issue 8, items 1 and 2): once its key is retired, nothing it kept
works, online at once and offline after the next sync, while the certificate itself and
the other holders' copies stay valid; and the phone's own session ends with it.

The phone here is a real device key (``SigningKey``) that signs presentations locally
over the holder-bound credential it fetched, exactly as ``elicense present --key`` does.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from issuers.crypto.keys import SigningKey
from issuers.formats import presentation as presentation_format
from issuers.store.tables import certificates
from tests.app_fixtures import FixedClock
from tests.helpers import LI_NA, ZHANG_WEI
from tests.wallet.citizens import (
    MARRIAGE_URL,
    claims_of,
    detail_qr,
    device_body,
    list_value,
    login,
    mint_marriage,
    present,
    register_phone,
    verify,
)
from wallet.accounts.service import AccountService
from wallet.server.app import services_of


def test_a_forgotten_phone_signs_nothing_that_verifies_and_nobody_else_is_touched(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    accounts: AccountService,
    clock: FixedClock,
) -> None:
    identifier, certificate_qr = mint_marriage(client, admin_headers)

    phone_session = login(client, LI_NA)
    phone = register_phone(client, phone_session, LI_NA)
    kept = detail_qr(client, phone_session, identifier)  # what the phone keeps
    assert verify(client, presentation_format.present(kept, phone, now=clock.now))["valid"]
    spouse = login(client, ZHANG_WEI)
    spouse_copy = detail_qr(client, spouse, identifier)

    # The phone is lost: 李娜 signs in elsewhere and forgets it.
    owner = login(client, LI_NA)
    assert client.delete("/wallet/holder-key", headers=owner).status_code == 200

    replayed = verify(client, presentation_format.present(kept, phone, now=clock.now))
    assert replayed["valid"] is False, replayed
    assert replayed["code"] == "revoked"
    assert "holder key" in replayed["message"]  # a lost phone, not the issuer's doing
    assert verify(client, kept)["valid"] is False  # the copy as a static code too
    # Offline: the list a verifier syncs next says the same, signed by the issuer.
    assert list_value(app, client, kept, clock.now) == 1

    # The certificate itself and the other holder's copy are untouched.
    with services_of(app).engine.connect() as conn:
        status = conn.execute(
            select(certificates.c.status).where(certificates.c.identifier == identifier)
        ).scalar_one()
    assert status == "01"
    assert verify(client, certificate_qr)["valid"] is True
    assert list_value(app, client, certificate_qr, clock.now) == 0
    assert list_value(app, client, spouse_copy, clock.now) == 0
    spouse_live = present(client, spouse, identifier).json()["payload"]
    assert verify(client, spouse_live)["valid"] is True
    # 李娜 herself presents again at once, with a fresh copy of her own.
    again = present(client, owner, identifier)
    assert again.status_code == 200, again.text
    assert verify(client, again.json()["payload"])["valid"] is True
    assert claims_of(detail_qr(client, owner, identifier)).status != claims_of(kept).status


def test_status_changes_reach_every_live_copy_but_never_revive_a_retired_one(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    accounts: AccountService,
    clock: FixedClock,
) -> None:
    identifier, _ = mint_marriage(client, admin_headers)
    phone_session = login(client, LI_NA)
    phone = register_phone(client, phone_session, LI_NA)
    kept = detail_qr(client, phone_session, identifier)
    spouse = login(client, ZHANG_WEI)
    spouse_copy = detail_qr(client, spouse, identifier)
    owner = login(client, LI_NA)
    assert client.delete("/wallet/holder-key", headers=owner).status_code == 200
    fresh = detail_qr(client, owner, identifier)

    status_url = f"{MARRIAGE_URL}/{identifier}/status"
    suspend = {"status": "02", "reason": "调查中"}
    assert client.post(status_url, json=suspend, headers=admin_headers).status_code == 200
    for qr in (spouse_copy, fresh):
        assert list_value(app, client, qr, clock.now) == 2
        assert verify(client, qr)["code"] == "suspended"
    assert list_value(app, client, kept, clock.now) == 1

    reinstate = {"status": "01", "reason": "调查结束"}
    assert client.post(status_url, json=reinstate, headers=admin_headers).status_code == 200
    for qr in (spouse_copy, fresh):
        assert list_value(app, client, qr, clock.now) == 0
    assert list_value(app, client, kept, clock.now) == 1  # the lost phone stays retired
    live = presentation_format.present(kept, phone, now=clock.now)
    assert verify(client, live)["code"] == "revoked"


def test_a_copy_made_for_a_suspended_certificate_starts_suspended(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier, _ = mint_marriage(client, admin_headers)
    status_url = f"{MARRIAGE_URL}/{identifier}/status"
    suspend = {"status": "02", "reason": "调查中"}
    assert client.post(status_url, json=suspend, headers=admin_headers).status_code == 200
    spouse = login(client, ZHANG_WEI)  # the second holder's copy is made only now
    assert verify(client, detail_qr(client, spouse, identifier))["code"] == "suspended"


# --- item 2: the lost phone's session ----------------------------------------------


def test_forgetting_a_device_ends_every_other_session(
    client: TestClient, accounts: AccountService
) -> None:
    phone_session = login(client, LI_NA)
    register_phone(client, phone_session, LI_NA)
    laptop = login(client, LI_NA)
    other_citizen = login(client, ZHANG_WEI)
    owner = login(client, LI_NA)

    assert client.delete("/wallet/holder-key", headers=owner).status_code == 200
    for ended in (phone_session, laptop):
        me = client.get("/wallet/me", headers=ended)
        assert me.status_code == 401, me.text
        assert me.json()["error"]["code"] == "unauthorized"
        thief = client.put(
            "/wallet/holder-key",
            json=device_body(ended, SigningKey.generate(), LI_NA),
            headers=ended,
        )
        assert thief.status_code == 401
    assert client.get("/wallet/me", headers=owner).status_code == 200
    assert client.get("/wallet/me", headers=other_citizen).status_code == 200


def test_registering_a_device_key_needs_a_fresh_sign_in(
    client: TestClient, accounts: AccountService, clock: FixedClock
) -> None:
    old = login(client, LI_NA)
    before = client.get("/wallet/holder-key", headers=old).json()
    clock.now += timedelta(minutes=6)
    stale = client.put(
        "/wallet/holder-key", json=device_body(old, SigningKey.generate(), LI_NA), headers=old
    )
    assert stale.status_code == 401, stale.text
    assert stale.json()["error"]["code"] == "reauthentication_required"
    assert client.get("/wallet/holder-key", headers=old).json() == before  # untouched
    assert client.get("/wallet/me", headers=old).status_code == 200  # the session lives on

    fresh = login(client, LI_NA)
    register_phone(client, fresh, LI_NA)
