"""``private_key_jwt`` with an SM2 (国密) client key: registered over the admin API,
assertions signed by gmalg (its own SM2 and SM3, code we did not write: jwcrypto, which
signs the other tests' assertions, has no SM2)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import gmalg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.app_fixtures import FixedClock
from tests.wallet.clients.client_calls import HUKOU_USCC, ask_token, assertion_form, oauth_error
from wallet.server.app import services_of

CLIENT = "newborn-sm2"
USER_ID = b"1234567812345678"  # the standard's default (GM/T 0009 §10), as the platform's


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Sm2Client:
    """A service client's SM2 key pair, made and used by gmalg alone."""

    def __init__(self) -> None:
        secret, public = gmalg.SM2().generate_keypair()
        self.signer = gmalg.SM2(sk=secret, uid=USER_ID, pk=public)
        point = public[1:] if len(public) == 65 else public  # 04 ‖ x ‖ y
        self.jwk = {"kty": "EC", "crv": "SM2", "x": _b64(point[:32]), "y": _b64(point[32:])}

    def assertion(self, audience: str, now: datetime, *, alg: str = "SM2", **claims: Any) -> str:
        """An RFC 7523 assertion: JWS compact serialization (RFC 7515 §7.1) built here."""
        body = {
            "iss": CLIENT, "sub": CLIENT, "aud": audience, "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=2)).timestamp()), "jti": uuid.uuid4().hex,
            **claims,
        }  # fmt: skip
        header = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
        signing_input = f"{header}.{_b64(json.dumps(body).encode())}"
        r, s = self.signer.sign(signing_input.encode("ascii"))
        signature = int.from_bytes(r, "big").to_bytes(32, "big") + int.from_bytes(
            s, "big"
        ).to_bytes(32, "big")
        return f"{signing_input}.{_b64(signature)}"


@pytest.fixture
def audience(app: FastAPI) -> str:
    return services_of(app).settings.public_base_url.rstrip("/") + "/oauth/token"


@pytest.fixture
def sm2_client(client: TestClient, admin_headers: dict[str, str]) -> Sm2Client:
    made = Sm2Client()
    body = {
        "name": "新生儿一件事（国密）", "uscc": HUKOU_USCC, "bundle_items": ["birth_registration"],
        "auth_method": "private_key_jwt", "public_jwk": made.jwk, "client_id": CLIENT,
    }  # fmt: skip
    response = client.post("/admin/clients", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    registered = response.json()["client"]["public_jwk"]
    assert {k: registered[k] for k in made.jwk} == made.jwk
    # The RFC 7638 thumbprint, computed here: SHA-256 over the sorted required members.
    members = json.dumps({k: made.jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    assert registered["kid"] == _b64(hashlib.sha256(members.encode()).digest())
    return made


def test_an_sm2_assertion_gets_a_token(
    client: TestClient, app: FastAPI, sm2_client: Sm2Client, audience: str, clock: FixedClock
) -> None:
    response = ask_token(client, assertion_form(sm2_client.assertion(audience, clock.now)))
    assert response.status_code == 200, response.text
    resolved = services_of(app).clients.authenticate_bearer(response.json()["access_token"])
    assert resolved.client.client_id == CLIENT


def test_a_bad_sm2_assertion_is_invalid_client(
    client: TestClient, sm2_client: Sm2Client, audience: str, clock: FixedClock
) -> None:
    good = sm2_client.assertion(audience, clock.now)
    head, payload, signature = good.split(".")
    flipped = bytearray(base64.urlsafe_b64decode(signature + "=="))
    flipped[40] ^= 0x01
    refused = [
        f"{head}.{payload}.{_b64(bytes(flipped))}",  # tampered signature
        Sm2Client().assertion(audience, clock.now),  # another SM2 key
        sm2_client.assertion(audience, clock.now, alg="ES256"),  # not the key's alg
        sm2_client.assertion("https://elsewhere.example/oauth/token", clock.now),
        sm2_client.assertion(audience, clock.now - timedelta(hours=1)),  # expired
    ]
    for token in refused:
        response = ask_token(client, assertion_form(token))
        assert response.status_code == 401, token
        assert oauth_error(response) == "invalid_client"


def test_an_sm2_key_off_the_curve_is_not_registered(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    jwk = dict(Sm2Client().jwk)
    jwk["y"] = _b64(bytes(31) + b"\x01")
    body = {
        "name": "x", "uscc": HUKOU_USCC, "bundle_items": ["birth_registration"],
        "auth_method": "private_key_jwt", "public_jwk": jwk,
    }  # fmt: skip
    response = client.post("/admin/clients", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "public_jwk"
