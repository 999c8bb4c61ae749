"""SM2 holder keys (国密): custodial ones where the deployment sets
``ELICENSE_HOLDER_KEY_ALG=SM2``, and a device's own SM2 key registered as a JWK. The
credential's ``cnf`` carries the SM2 COSE_Key (read with cbor2 alone), live
presentations signed by the key verify at ``POST /verify`` and on the inspector page,
which names the algorithm, and gmssl and gmalg verify the holder's signature."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from issuers.crypto.base64url import b64url_decode
from issuers.crypto.keys import Algorithm, SigningKey
from issuers.crypto.sealing import unseal
from issuers.formats import presentation
from issuers.formats.holder_binding import CRV_SM2, KTY_EC2
from tests.app_fixtures import TEST_MASTER_KEY, FixedClock
from tests.helpers import CHEN_QIANG, LI_NA
from tests.sm2_independent import cose_sign1_verifies, cwt_claims, jwk_point, unwrap
from tests.verifiers.web.inspector_form import inspect, verdict_of
from tests.wallet.citizens import detail_qr, device_body, login, mint, present, verify
from verifiers.inspector.display import algorithm_label
from wallet.accounts.service import AccountService
from wallet.holders.keyring import SEALING_PURPOSE, HolderKeyring
from wallet.holders.store import HolderStore
from wallet.holders.store.tables import holder_keys
from wallet.server.app import services_of
from wallet.server.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"holder_key_alg": "SM2"})


def cnf_cose_key(qr: str) -> dict[int, object]:
    """The credential's cnf COSE_Key, read with cbor2 alone (claim 8 is cnf, RFC 8747)."""
    cose_key: dict[int, object] = cwt_claims(qr)[8][1]
    return cose_key


def test_new_custodial_keys_are_sm2_sealed_at_rest_and_bound_in_the_credential(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    headers = login(client, CHEN_QIANG)
    key = client.get("/wallet/holder-key", headers=headers).json()
    assert (key["custody"], key["alg"]) == ("custodial", "SM2")
    assert (key["public_jwk"]["kty"], key["public_jwk"]["crv"]) == ("EC", "SM2")

    cose_key = cnf_cose_key(detail_qr(client, headers, identifier))
    assert cose_key[1] == KTY_EC2
    assert cose_key[-1] == CRV_SM2 == -65537
    assert cose_key[-2] == b64url_decode(key["public_jwk"]["x"])
    assert cose_key[-3] is bool(b64url_decode(key["public_jwk"]["y"])[-1] & 1)

    with services_of(app).engine.connect() as conn:
        row = conn.execute(select(holder_keys).where(holder_keys.c.kid == key["kid"])).one()
    assert row.alg == "SM2"
    opened = SigningKey.from_pkcs8(
        unseal(
            TEST_MASTER_KEY,
            row.sealed_private_key,
            associated=key["kid"].encode(),
            purpose=SEALING_PURPOSE,
        )
    )
    assert opened.alg is Algorithm.SM2
    assert opened.public.kid == key["kid"]
    assert opened.key.d.to_bytes(32, "big") not in row.sealed_private_key  # type: ignore[union-attr]


def test_a_custodial_sm2_presentation_verifies_here_and_in_gmssl_and_gmalg(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    headers = login(client, CHEN_QIANG)
    jwk = client.get("/wallet/holder-key", headers=headers).json()["public_jwk"]
    response = present(client, headers, identifier)
    assert response.status_code == 200, response.text
    payload = response.json()["payload"]
    assert len(payload) <= 970  # QR version 20 at level M

    verdict = verify(client, payload)
    assert verdict["valid"] is True, verdict
    assert (verdict["kind"], verdict["holder_alg"]) == ("dynamic", "SM2")
    assert verdict["credential"]["alg"] == "EdDSA"  # the issuer's own key

    envelope = unwrap(payload)
    assert cose_sign1_verifies(envelope, jwk_point(jwk))
    tampered = bytearray(envelope)
    tampered[-1] ^= 1  # the last byte of s
    assert not cose_sign1_verifies(bytes(tampered), jwk_point(jwk))


def test_a_device_registers_its_own_sm2_key_and_signs_presentations_itself(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService, clock: FixedClock
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    headers = login(client, CHEN_QIANG)
    phone = SigningKey.generate(Algorithm.SM2)
    body = device_body(headers, phone, CHEN_QIANG)
    stranger = device_body(headers, SigningKey.generate(Algorithm.SM2), CHEN_QIANG)
    forged = {**body, "proof": stranger["proof"]}  # another key's proof
    assert client.put("/wallet/holder-key", json=forged, headers=headers).status_code == 422
    registered = client.put("/wallet/holder-key", json=body, headers=headers)
    assert registered.status_code == 200, registered.text
    assert registered.json()["custody"] == "device"
    assert (registered.json()["alg"], registered.json()["kid"]) == ("SM2", phone.public.kid)

    qr = detail_qr(client, headers, identifier)  # a copy bound to the phone's key
    shown = presentation.present(qr, phone, now=clock(), nonce=b"\x01" * 16)
    verdict = verify(client, shown)
    assert verdict["valid"] is True, verdict
    assert verdict["holder_alg"] == "SM2"
    assert cose_sign1_verifies(unwrap(shown), jwk_point(phone.public.to_jwk()))


def test_the_inspector_page_names_the_algorithms_of_issuer_and_holder(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    headers = login(client, CHEN_QIANG)
    live = present(client, headers, identifier).json()["payload"]
    page = inspect(client, live)
    assert verdict_of(page) == ("green", "valid")
    assert 'data-issuer-alg="EdDSA" data-holder-alg="SM2"' in page.text
    assert '<strong class="alg">国密 SM2</strong>' in page.text
    assert '<strong class="alg">Ed25519</strong>' in page.text

    static = inspect(client, detail_qr(client, headers, identifier))
    assert 'data-issuer-alg="EdDSA">' in static.text  # a static QR has no holder signature
    assert "国密 SM2" not in static.text


def test_the_setting_picks_the_algorithm_of_new_keys_only(app: FastAPI, clock: FixedClock) -> None:
    store = HolderStore(services_of(app).engine)
    before = HolderKeyring(store, TEST_MASTER_KEY, clock).current(LI_NA)  # Ed25519 default
    sm2_ring = HolderKeyring(store, TEST_MASTER_KEY, clock, alg=Algorithm.SM2)
    assert before.alg is Algorithm.EDDSA
    assert sm2_ring.current(LI_NA).kid == before.kid  # kept: copies are bound to it
    replaced = sm2_ring.reset_to_custodial(LI_NA)  # a replacement is made under the setting
    assert (replaced.alg, replaced.custody) == (Algorithm.SM2, "custodial")
    assert sm2_ring.signing_key(replaced).public.kid == replaced.kid


def test_every_algorithm_has_a_name_people_read() -> None:
    assert {alg.value: algorithm_label(alg.value) for alg in Algorithm} == {
        "EdDSA": "Ed25519",
        "ES256": "ES256",
        "SM2": "国密 SM2",
    }
