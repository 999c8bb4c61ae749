"""What the share and pull tests share: the spouses' certificates, a grant both
approved, a pull, and checks made with code that is not ours (the ``sd-jwt``
reference library, jwcrypto). Not a test module: test modules import it."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from sd_jwt.verifier import SDJWTVerifier

from issuers.crypto.base64url import b64url_decode
from tests.helpers import LI_NA, PUBLIC_SECURITY, ZHANG_WEI
from tests.wallet.citizens import SAMPLE_CERTIFICATES, login, mint_marriage
from tests.wallet.consent.consent_calls import decide, made, service_headers
from wallet.server.wiring import Services

PURPOSE = "新生儿出生登记"
NONCE = "pull-nonce-1"
ASKS = {
    "resident_id": ["name", "sex", "id_number"],
    "marriage": ["certificate_number", "party_a", "party_b"],
}
_ZHANG_ID = next(c for c in SAMPLE_CERTIFICATES if c["type"] == "resident_id")
LI_NA_ID_FIELDS = {
    **_ZHANG_ID["fields"],
    "name": "李娜",
    "sex": 2,
    "birth_date": "1992-07-08",
    "id_number": LI_NA,
}


def mint_spouses(client: TestClient, admin_headers: dict[str, str]) -> dict[str, str]:
    """Both ID cards and the marriage; type-and-holder -> identifier."""
    minted = {"marriage": mint_marriage(client, admin_headers)[0]}
    for holder, fields in ((ZHANG_WEI, _ZHANG_ID["fields"]), (LI_NA, LI_NA_ID_FIELDS)):
        response = client.post(
            f"/issuers/{PUBLIC_SECURITY}/certificates",
            json={"type": "resident_id", "fields": fields},
            headers=admin_headers,
        )
        assert response.status_code == 201, response.text
        minted[f"resident_id:{holder}"] = response.json()["identifier"]
    return minted


def requested(
    client: TestClient, services: Services, name: str = "出生登记服务", **extra: Any
) -> tuple[str, dict[str, str], str]:
    """A service asks both spouses for ID card and marriage: (client id, headers, id)."""
    client_id, headers = service_headers(services, name)
    extra.setdefault("nonce", NONCE)
    request_id = made(client, headers, {ZHANG_WEI: ASKS, LI_NA: ASKS}, **extra)
    return client_id, headers, request_id


def approve_all(client: TestClient, request_id: str) -> dict[str, dict[str, str]]:
    """Both spouses log in and approve; their session headers."""
    sessions = {holder: login(client, holder) for holder in (ZHANG_WEI, LI_NA)}
    for headers in sessions.values():
        response = decide(client, headers, request_id)
        assert response.status_code == 200, response.text
    return sessions


def pull(client: TestClient, headers: dict[str, str], grant_id: str, **body: Any) -> Any:
    body.setdefault("purpose", PURPOSE)
    return client.post(f"/consent/grants/{grant_id}/pull", json=body, headers=headers)


class AnyAlgVerifier(SDJWTVerifier):  # type: ignore[misc]  # untyped library
    """The library's verifier, told the KB-JWT alg (it assumes ES256; custodial keys
    are Ed25519)."""

    def __init__(self, text: str, issuer_jwk: JWK, *, aud: str, nonce: str) -> None:
        super().__init__(text, lambda _iss, _header: issuer_jwk)
        kb_header = json.loads(b64url_decode(text.rsplit("~", 1)[1].split(".")[0]))
        self._verify_key_binding_jwt(aud, nonce, sign_alg=kb_header["alg"])


def library_payload(client: TestClient, sd_jwt: str, *, aud: str, nonce: str) -> dict[str, Any]:
    """The share as the ``sd-jwt`` library reads it, with the issuer key the service
    fetched from the issuer's published metadata (JWT VC Issuer Metadata)."""
    header = json.loads(b64url_decode(sd_jwt.split(".")[0]))
    payload = json.loads(b64url_decode(sd_jwt.split("~")[0].split(".")[1]))
    uscc = payload["iss"].rstrip("/").rsplit("/", 1)[1]
    metadata = client.get(f"/.well-known/jwt-vc-issuer/issuers/{uscc}").json()
    assert metadata["issuer"] == payload["iss"]
    jwk = next(k for k in metadata["jwks"]["keys"] if k["kid"] == header["kid"])
    verified = AnyAlgVerifier(sd_jwt, JWK(**jwk), aud=aud, nonce=nonce)
    result: dict[str, Any] = verified.get_verified_payload()
    return result


def annotation_claims(client: TestClient, annotation: str) -> dict[str, Any]:
    """The annotation checked by jwcrypto against ``GET /platform/jwks``."""
    keys = client.get("/platform/jwks").json()["keys"]
    kid = json.loads(b64url_decode(annotation.split(".")[0]))["kid"]
    jwk = next(k for k in keys if k["kid"] == kid)
    checked = JWS()
    checked.deserialize(annotation, key=JWK(**jwk), alg=jwk["alg"])
    claims: dict[str, Any] = json.loads(checked.payload)
    return claims


def audit_entries(client: TestClient, session: dict[str, str]) -> list[dict[str, Any]]:
    """The citizen's own audit entries, newest first, as the API reads them out."""
    response = client.get("/wallet/audit", headers=session)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries
