"""What the wallet's tests share: a citizen's login, the sample certificates minted over
HTTP, and the holder-side calls (present, verify, register a phone, read a copy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.crypto.keys import SigningKey
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims
from issuers.formats.status_list_token import verify_jwt
from issuers.store.key_resolver import DatabaseKeyResolver
from tests.helpers import PASSWORDS
from wallet.holders.device_proof import sign_registration
from wallet.server.app import services_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_CERTIFICATES: list[dict[str, Any]] = json.loads(
    (SAMPLES / "certificates.json").read_text("utf-8")
)

MARRIAGE = next(c for c in SAMPLE_CERTIFICATES if c["type"] == "marriage")


MARRIAGE_URL = f"/issuers/{MARRIAGE['issuer']}/certificates"


def mint_marriage(client: TestClient, admin_headers: dict[str, str]) -> tuple[str, str]:
    """张伟 and 李娜's marriage certificate: (identifier, the certificate's own QR)."""
    response = client.post(
        MARRIAGE_URL, json={"type": "marriage", "fields": MARRIAGE["fields"]}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    return response.json()["identifier"], response.json()["qr"]


def register_phone(client: TestClient, headers: dict[str, str], id_number: str) -> SigningKey:
    phone = SigningKey.generate()
    body = device_body(headers, phone, id_number)
    response = client.put("/wallet/holder-key", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return phone


def list_value(app: FastAPI, client: TestClient, qr: str, now: Any) -> int:
    """The entry behind ``qr``'s status reference in the list the server publishes now
    (what a roadside verifier stores at its next sync), checked with the issuer's key."""
    reference = claims_of(qr).status
    assert reference is not None
    path = reference.uri.split("://", 1)[1].split("/", 1)[1]
    response = client.get(f"/{path}")
    assert response.status_code == 200, response.text
    token = verify_jwt(
        response.text,
        keys=DatabaseKeyResolver(services_of(app).engine),
        now=now,
        expected_uri=reference.uri,
    )
    return token.status_list.get(reference.idx)


def claims_of(qr: str) -> CredentialClaims:
    return CredentialClaims.from_cbor(cose_sign1.decode(qr_envelope.unwrap(qr)).payload)


def present(client: TestClient, headers: dict[str, str], identifier: str, **body: Any) -> Any:
    return client.post(
        f"/wallet/certificates/{identifier}/presentation", json=body or None, headers=headers
    )


def verify(client: TestClient, qr: str) -> dict[str, Any]:
    response = client.post("/verify", json={"qr": qr})
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict


def device_body(headers: dict[str, str], key: SigningKey, id_number: str) -> dict[str, Any]:
    """A PUT /wallet/holder-key body with the device's proof of possession for this
    session (the bearer token in ``headers``)."""
    token = headers["Authorization"].removeprefix("Bearer ")
    return {"public_jwk": key.public.to_jwk(), "proof": sign_registration(key, token, id_number)}


def detail_qr(client: TestClient, headers: dict[str, str], identifier: str) -> str:
    response = client.get(f"/wallet/certificates/{identifier}", headers=headers)
    assert response.status_code == 200, response.text
    qr: str = response.json()["qr"]
    return qr


def login(client: TestClient, id_number: str, password: str | None = None) -> dict[str, str]:
    response = client.post(
        "/wallet/login",
        json={"id_number": id_number, "password": password or PASSWORDS[id_number]},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def mint(client: TestClient, admin_headers: dict[str, str], type_slug: str) -> str:
    item = next(i for i in SAMPLE_CERTIFICATES if i["type"] == type_slug)
    response = client.post(
        f"/issuers/{item['issuer']}/certificates",
        json={"type": type_slug, "fields": item["fields"]},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    identifier: str = response.json()["identifier"]
    return identifier
