"""Holder keys and live presentations through HTTP: custodial by default, a device key
when registered, each co-holder with a copy of their own, and nobody else's."""

from __future__ import annotations

import threading
from datetime import timedelta

import cbor2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from issuers.crypto.keys import Algorithm, SigningKey
from issuers.crypto.sealing import unseal
from issuers.formats import presentation as presentation_format
from issuers.formats.holder_binding import holder_key_from
from issuers.formats.qr_image import qr_matrix
from tests.app_fixtures import TEST_MASTER_KEY, FixedClock
from tests.helpers import CHEN_QIANG, LI_NA, ZHANG_WEI, household_members
from tests.wallet.citizens import (
    SAMPLE_CERTIFICATES,
    claims_of,
    detail_qr,
    device_body,
    login,
    mint,
    present,
    verify,
)
from wallet.accounts.service import AccountService
from wallet.holders.device_proof import sign_registration
from wallet.holders.keyring import SEALING_PURPOSE, HolderKeyring
from wallet.holders.store import HolderStore
from wallet.holders.store.tables import holder_credentials, holder_keys
from wallet.server.app import services_of
from wallet.web.cookies import CSRF_HEADER, SESSION_COOKIE

PERMIT = next(c for c in SAMPLE_CERTIFICATES if c["type"] == "road_transport_permit")


def test_a_minted_certificate_binds_the_holders_custodial_key_sealed_at_rest(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    headers = login(client, CHEN_QIANG)
    key = client.get("/wallet/holder-key", headers=headers).json()
    assert key["custody"] == "custodial"
    assert key["alg"] == "EdDSA"
    qr = detail_qr(client, headers, identifier)
    assert holder_key_from(claims_of(qr).confirmation).kid == key["kid"]

    with services_of(app).engine.connect() as conn:
        row = conn.execute(select(holder_keys).where(holder_keys.c.kid == key["kid"])).one()
    opened = SigningKey.from_pkcs8(
        unseal(
            TEST_MASTER_KEY,
            row.sealed_private_key,
            associated=key["kid"].encode(),
            purpose=SEALING_PURPOSE,
        )
    )
    raw_private = opened.to_pkcs8()[-32:]
    assert raw_private not in row.sealed_private_key  # sealed, not stored in the clear
    assert opened.public.kid == key["kid"]


def test_the_presentation_endpoint_shows_a_live_qr_that_goes_stale(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService, clock: FixedClock
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    headers = login(client, CHEN_QIANG)
    response = present(client, headers, identifier)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["payload"].startswith("ELP1:")
    assert shown["lifetime_seconds"] == 60
    assert shown["qr_svg"].startswith("<svg")
    assert qr_matrix(shown["payload"]).version <= 20

    verdict = verify(client, shown["payload"])
    assert verdict["valid"] is True, verdict
    assert verdict["kind"] == "dynamic"
    assert verdict["credential"]["identifier"] == identifier

    clock.now += timedelta(seconds=60 + 30 + 1)  # window plus the tolerated skew
    assert verify(client, shown["payload"])["code"] == "presentation_stale"


def test_a_verifier_nonce_is_signed_into_the_presentation(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    headers = login(client, CHEN_QIANG)
    response = present(client, headers, identifier, nonce="AAECAwQFBgcICQoLDA0ODw")
    assert response.status_code == 200, response.text
    assert presentation_format.decode(response.json()["payload"]).nonce == bytes(range(16))
    for bad in ("not base64!", "A" * 40, "é"):
        refused = present(client, headers, identifier, nonce=bad)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] in {"invalid_input", "schema_invalid"}


def test_both_spouses_present_copies_bound_to_their_own_keys(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "marriage")
    wife, husband = login(client, LI_NA), login(client, ZHANG_WEI)
    keys = {
        who: client.get("/wallet/holder-key", headers=h).json()["kid"]
        for who, h in (("wife", wife), ("husband", husband))
    }
    assert keys["wife"] != keys["husband"]
    copies = {
        who: detail_qr(client, h, identifier) for who, h in (("wife", wife), ("husband", husband))
    }
    for who in copies:
        claims = claims_of(copies[who])
        assert holder_key_from(claims.confirmation).kid == keys[who]
        assert claims.identifier == identifier

    for h in (wife, husband):
        assert verify(client, present(client, h, identifier).json()["payload"])["valid"] is True
    # Both copies share the certificate's status entry: suspending it reaches both.
    suspended = client.post(
        f"/issuers/11310000000000006N/certificates/{identifier}/status",
        json={"status": "02", "reason": "test"},
        headers=admin_headers,
    )
    assert suspended.status_code == 200, suspended.text
    for h in (wife, husband):
        assert verify(client, present(client, h, identifier).json()["payload"])["code"] == (
            "suspended"
        )
    with services_of(app).engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(holder_credentials)).scalar_one()
    assert count == 2  # made once per holder, not per presentation


def test_another_citizen_cannot_present_or_read_a_certificate(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    other = login(client, ZHANG_WEI)
    for response in (
        present(client, other, identifier),
        client.get(f"/wallet/certificates/{identifier}", headers=other),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"
        assert "330102197801305178" not in response.text
        assert "陈强" not in response.text
    assert present(client, {}, identifier).status_code == 401


def test_a_device_key_signs_on_the_device_and_the_custodial_key_is_destroyed(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    accounts: AccountService,
    clock: FixedClock,
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    headers = login(client, CHEN_QIANG)
    custodial = client.get("/wallet/holder-key", headers=headers).json()["kid"]
    device = SigningKey.generate()
    registered = client.put(
        "/wallet/holder-key", json=device_body(headers, device, CHEN_QIANG), headers=headers
    )
    assert registered.status_code == 200, registered.text
    assert registered.json()["custody"] == "device"
    assert registered.json()["kid"] == device.public.kid

    refused = present(client, headers, identifier)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"

    bound = detail_qr(client, headers, identifier)
    assert holder_key_from(claims_of(bound).confirmation).kid == device.public.kid
    live = presentation_format.present(bound, device, now=clock.now)
    verdict = verify(client, live)
    assert verdict["valid"] is True
    assert verdict["kind"] == "dynamic"

    with services_of(app).engine.connect() as conn:
        old = conn.execute(select(holder_keys).where(holder_keys.c.kid == custodial)).one()
    assert old.sealed_private_key is None
    assert old.active_for is None

    # The device is lost: back to a fresh custodial key; the device's key is retired.
    reset = client.delete("/wallet/holder-key", headers=headers)
    assert reset.status_code == 200
    assert reset.json()["custody"] == "custodial"
    assert reset.json()["kid"] not in {custodial, device.public.kid}
    assert verify(client, present(client, headers, identifier).json()["payload"])["valid"]
    with pytest.raises(Exception, match="holder key"):
        presentation_format.present(detail_qr(client, headers, identifier), device, now=clock.now)


def test_a_registered_key_cannot_be_claimed_again(
    client: TestClient, accounts: AccountService
) -> None:
    device = SigningKey.generate()
    first, second = login(client, CHEN_QIANG), login(client, ZHANG_WEI)
    body = device_body(first, device, CHEN_QIANG)
    assert client.put("/wallet/holder-key", json=body, headers=first).status_code == 200
    again = client.put("/wallet/holder-key", json=body, headers=first)
    assert again.status_code == 200  # idempotent for its owner
    before = client.get("/wallet/holder-key", headers=second).json()
    # The same device (it holds the key) for another citizen: the key is taken.
    shared = client.put(
        "/wallet/holder-key", json=device_body(second, device, ZHANG_WEI), headers=second
    )
    assert shared.status_code == 409
    assert shared.json()["error"]["code"] == "conflict"
    # Someone who saw the first registration replays it in their own session: no proof.
    replayed = client.put("/wallet/holder-key", json=body, headers=second)
    assert replayed.status_code == 422
    assert replayed.json()["error"]["field"] == "proof"
    assert client.get("/wallet/holder-key", headers=second).json() == before  # untouched


def test_a_device_must_prove_it_holds_the_key(client: TestClient, accounts: AccountService) -> None:
    headers = login(client, CHEN_QIANG)
    before = client.get("/wallet/holder-key", headers=headers).json()
    device, other = SigningKey.generate(), SigningKey.generate(Algorithm.ES256)
    token = headers["Authorization"].removeprefix("Bearer ")
    wrong_proofs = {
        "signed by another key": sign_registration(other, token, CHEN_QIANG),
        "for another citizen": sign_registration(device, token, ZHANG_WEI),
        "for another session": sign_registration(device, token + "x", CHEN_QIANG),
        "not a signature": "AAAA",
        "not base64url": "not base64!",
    }
    for why, proof in wrong_proofs.items():
        body = {"public_jwk": device.public.to_jwk(), "proof": proof}
        response = client.put("/wallet/holder-key", json=body, headers=headers)
        assert response.status_code == 422, (why, response.text)
        assert response.json()["error"]["field"] == "proof", why
    assert client.get("/wallet/holder-key", headers=headers).json() == before
    es256 = client.put(
        "/wallet/holder-key", json=device_body(headers, other, CHEN_QIANG), headers=headers
    )
    assert es256.status_code == 200, es256.text  # a P-256 device key proves itself too
    assert es256.json()["alg"] == "ES256"


@pytest.mark.parametrize(
    "jwk",
    [
        {},
        {"kty": "OKP", "crv": "Ed25519"},
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
    ],
)
def test_an_unusable_device_key_is_a_typed_422(
    client: TestClient, accounts: AccountService, jwk: dict[str, str]
) -> None:
    headers = login(client, CHEN_QIANG)
    before = client.get("/wallet/holder-key", headers=headers).json()
    body = {"public_jwk": jwk, "proof": "AAAA"}
    response = client.put("/wallet/holder-key", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    assert client.get("/wallet/holder-key", headers=headers).json() == before


def test_a_web_session_cookie_needs_the_csrf_token_to_present(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    web = accounts.login(CHEN_QIANG, "chen-q-secret", kind="web")
    client.cookies.set(SESSION_COOKIE, web.token)
    try:
        assert client.get(f"/wallet/certificates/{identifier}").status_code == 200
        no_token = present(client, {}, identifier)
        assert no_token.status_code == 403
        assert no_token.json()["error"]["code"] == "forbidden"
        wrong = present(client, {CSRF_HEADER: "x" * 43}, identifier)
        assert wrong.status_code == 403
        assert present(client, {CSRF_HEADER: str(web.csrf_token)}, identifier).status_code == 200
        # An API token is not a cookie session.
        api = accounts.login(CHEN_QIANG, "chen-q-secret", kind="api")
        client.cookies.set(SESSION_COOKIE, api.token)
        assert client.get(f"/wallet/certificates/{identifier}").status_code == 401
    finally:
        client.cookies.clear()


def test_concurrent_first_use_makes_one_key(app: FastAPI, clock: FixedClock) -> None:
    keyring = HolderKeyring(HolderStore(services_of(app).engine), TEST_MASTER_KEY, clock)
    results: list[str] = []
    errors: list[BaseException] = []

    def first_use() -> None:
        try:
            results.append(keyring.current(CHEN_QIANG).kid)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(results) == 8
    assert len(set(results)) == 1
    with services_of(app).engine.connect() as conn:
        keys = conn.execute(
            select(func.count())
            .select_from(holder_keys)
            .where(holder_keys.c.holder_code == CHEN_QIANG)
        ).scalar_one()
    assert keys == 1


def test_an_organisations_permit_binds_no_holder_key(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = client.post(
        "/issuers/11330000000000003M/certificates",
        json={"type": "road_transport_permit", "fields": PERMIT["fields"]},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    assert claims_of(response.json()["qr"]).confirmation is None
    with services_of(app).engine.connect() as conn:
        keys = conn.execute(select(func.count()).select_from(holder_keys)).scalar_one()
    assert keys == 0


def test_every_person_type_presents_within_qr_version_20(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    headers = login(client, ZHANG_WEI)
    for type_slug in ("resident_id", "household_register", "marriage"):
        identifier = mint(client, admin_headers, type_slug)
        response = present(client, headers, identifier)
        assert response.status_code == 200, (type_slug, response.text)
        payload = response.json()["payload"]
        assert qr_matrix(payload).version <= 20
        inner = cbor2.loads(presentation_format.decode(payload).message.payload)
        assert isinstance(inner, dict)


def test_a_device_key_with_its_private_half_is_refused(
    client: TestClient, accounts: AccountService
) -> None:
    headers = login(client, CHEN_QIANG)
    before = client.get("/wallet/holder-key", headers=headers).json()
    device = SigningKey.generate()
    body = device_body(headers, device, CHEN_QIANG)
    body["public_jwk"]["d"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    response = client.put("/wallet/holder-key", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "public_jwk"
    assert client.get("/wallet/holder-key", headers=headers).json() == before


def test_a_web_session_token_is_not_a_bearer_token(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    web = accounts.login(CHEN_QIANG, "chen-q-secret", kind="web")
    bearer = {"Authorization": f"Bearer {web.token}"}
    refused = present(client, bearer, identifier)  # would skip the cookie's CSRF check
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


def test_concurrent_key_changes_all_answer_and_leave_one_active_key(
    app: FastAPI, client: TestClient, accounts: AccountService
) -> None:
    headers = login(client, CHEN_QIANG)
    statuses: list[int] = []
    lock = threading.Lock()

    def change(n: int) -> None:
        if n % 2:
            response = client.delete("/wallet/holder-key", headers=headers)
        else:
            body = device_body(headers, SigningKey.generate(), CHEN_QIANG)
            response = client.put("/wallet/holder-key", json=body, headers=headers)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=change, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == 8
    assert set(statuses) <= {200, 409}, statuses  # never a 500
    assert statuses.count(200) >= 1
    with services_of(app).engine.connect() as conn:
        active = conn.execute(
            select(func.count())
            .select_from(holder_keys)
            .where(holder_keys.c.active_for == CHEN_QIANG)
        ).scalar_one()
    assert active == 1


def test_the_cli_sends_a_password_over_plain_http_only_to_this_machine() -> None:
    from wallet.cli.device import WalletClient
    from wallet.cli.fields import UsageError

    with pytest.raises(UsageError, match="https"):
        WalletClient("http://wallet.example.gov.cn", CHEN_QIANG, "secret-password")


def test_a_household_too_large_for_a_live_code_is_a_typed_413(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    fields = next(c for c in SAMPLE_CERTIFICATES if c["type"] == "household_register")["fields"]
    members = household_members(7)
    minted = client.post(
        "/issuers/113100000000000017/certificates",
        json={"type": "household_register", "fields": {**fields, "members": members}},
        headers=admin_headers,
    )
    assert minted.status_code == 201, minted.text  # fits a static QR code
    response = present(client, login(client, ZHANG_WEI), minted.json()["identifier"])
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
