"""Issue 10's promises (reuse with consent, 用证授权), checked black-box against a real
``elicense serve --demo`` as a new user would, from the issue text and the README alone:
service clients and their tokens, authorisation requests, the preview, multi-party and
guardian consent, delegations, pulls and their refusals, and the SD-JWT VC shares,
checked with the independent ``sd-jwt`` and ``jwcrypto`` libraries.

Each test's docstring quotes the promise it checks.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
import uuid
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import base45
import cbor2
import httpx
import pytest
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from jwcrypto.jwt import JWT
from sd_jwt.verifier import SDJWTVerifier
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from tests.e2e.demo_server import ELICENSE, cli, demo_env
from tests.e2e.issue10_demo import (
    ASK,
    CHEN_QIANG,
    LI_NA,
    PUBLIC_SECURITY_SH,
    PURPOSE,
    SERVICE,
    ZHANG_HAO,
    ZHANG_WEI,
    Demo,
    bearer,
    demo_for_module,
)

SPOUSES = {ZHANG_WEI: ASK, LI_NA: ASK}
WANG_FANG = "330106198511233823"  # demo citizen with an account and no certificate
REFUSAL_LEAKS = ("sd_jwt", "shares", "annotation", "张伟", "李娜", ZHANG_WEI, LI_NA)


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
    _postgres_database: URL | None,
    _postgres_resetter: Engine | None,
) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("issue10-promises")
    with demo_for_module(root, _postgres_database, _postgres_resetter) as running:
        yield running


def b64json(segment: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return decoded


class EdDSAKeyBinding(SDJWTVerifier):  # type: ignore[misc]
    """The README's subclass: sd-jwt 0.10 assumes ES256 for the KB-JWT."""

    def _verify_key_binding_jwt(self, aud: str, nonce: str, sign_alg: str | None = None) -> None:
        super()._verify_key_binding_jwt(aud, nonce, sign_alg=sign_alg or "EdDSA")


def verify_share(demo: Demo, sd_jwt: str, *, aud: str, nonce: str) -> dict[str, Any]:
    """The README's verification: sd-jwt, the issuer's key from its jwt-vc-issuer metadata."""

    def issuer_key(iss: str, header: dict[str, Any]) -> JWK:
        uscc = iss.rsplit("/", 1)[1]
        keys = demo.http.get(f"/.well-known/jwt-vc-issuer/issuers/{uscc}").json()["jwks"]["keys"]
        return JWK(**next(k for k in keys if k["kid"] == header["kid"]))

    payload: dict[str, Any] = EdDSAKeyBinding(
        sd_jwt, issuer_key, expected_aud=aud, expected_nonce=nonce
    ).get_verified_payload()
    return payload


def qr_cwt(qr: str) -> dict[Any, Any]:
    """The CWT claims inside an ``EL1:`` QR credential (Base45, zlib, COSE_Sign1), decoded
    here with base45 and cbor2, not with elicense's own code."""
    assert qr.startswith("EL1:")
    sign1 = cbor2.loads(zlib.decompress(base45.b45decode(qr[4:])))
    claims: dict[Any, Any] = cbor2.loads(sign1.value[2])
    return claims


def refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text
    for leak in REFUSAL_LEAKS:
        assert leak not in response.text, (leak, response.text)


# -- 1. service clients -----------------------------------------------------------------


def test_token_is_client_credentials_with_scopes_and_5_minutes(demo: Demo) -> None:
    """Promise: `POST /oauth/token`, client-credentials grant, client_secret_basic;
    access tokens are short-lived (default 5 minutes) and carry the client's scopes
    (`consent:request`, `consent:pull`); RFC 6749 §5.1 forbids caching the answer."""
    response = demo.token_response(SERVICE, "demo-newborn-bundle-secret")
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] == 300
    assert set(token["scope"].split()) == {"consent:request", "consent:pull"}
    assert response.headers["cache-control"] == "no-store"


def test_token_errors_follow_rfc6749_5_2(demo: Demo) -> None:
    """Promise: "Errors follow RFC 6749 §5.2 (`invalid_client`, `invalid_grant`,
    `unsupported_grant_type`...)": `{"error": ..., "error_description": ...}`, 401 with
    WWW-Authenticate for a failed HTTP Basic client, 400 otherwise."""
    wrong = demo.token_response(SERVICE, "not-the-secret")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert isinstance(wrong.json().get("error_description"), str)
    assert wrong.headers["www-authenticate"].lower().startswith("basic")

    unknown = demo.token_response("no-such-client", "whatever")
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"

    anonymous = demo.http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_client"

    unsupported = demo.token_response(SERVICE, "demo-newborn-bundle-secret", grant_type="password")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"


def test_access_tokens_and_secrets_are_stored_only_as_hashes(demo: Demo) -> None:
    """Promise: "Access tokens are ... stored only as hashes"; "secret stored
    argon2-hashed". Neither appears in any row of any table."""
    token = demo.token_response(SERVICE, "demo-newborn-bundle-secret").json()["access_token"]
    stored = demo.every_stored_value()
    assert token not in stored
    assert "demo-newborn-bundle-secret" not in stored
    assert "$argon2" in stored  # the secret's hash is there


def test_private_key_jwt_client_single_use_jti_and_bounded_exp(demo: Demo) -> None:
    """Promise: `private_key_jwt` (RFC 7523): `elicense clients add --jwk-file key.json`
    registers a public key; the client sends `client_assertion_type=urn:ietf:params:oauth:
    client-assertion-type:jwt-bearer` and a `client_assertion` (iss = sub = client id,
    aud = <public base URL>/oauth/token, a single-use jti, exp at most 5 minutes ahead)."""
    key = JWK.generate(kty="OKP", crv="Ed25519")
    (demo.cwd / "key.json").write_text(key.export_public())
    added = demo.cli(
        "clients", "add", "--demo", "--name", "徐汇医保中心", "--uscc", "12310104425000001K",
        "--item", "medical_insurance_enrolment", "--client-id", "xh-yibao",
        "--jwk-file", "key.json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr

    def assertion(*, jti: str, exp_in: int = 120, aud: str | None = None) -> str:
        now = int(time.time())
        claims = {
            "iss": "xh-yibao", "sub": "xh-yibao", "aud": aud or f"{demo.base}/oauth/token",
            "jti": jti, "iat": now, "exp": now + exp_in,
        }  # fmt: skip
        signed = JWT(header={"alg": "EdDSA"}, claims=claims)
        signed.make_signed_token(key)
        return str(signed.serialize())

    def ask(signed: str) -> httpx.Response:
        return demo.http.post("/oauth/token", data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": signed,
        })  # fmt: skip

    first = assertion(jti=uuid.uuid4().hex)
    granted = ask(first)
    assert granted.status_code == 200, granted.text
    assert granted.json()["expires_in"] == 300
    replayed = ask(first)
    assert replayed.status_code in (400, 401), replayed.text
    assert replayed.json()["error"] in ("invalid_client", "invalid_grant")
    too_long = ask(assertion(jti=uuid.uuid4().hex, exp_in=600))
    assert too_long.status_code in (400, 401), too_long.text
    assert too_long.json()["error"] in ("invalid_client", "invalid_grant")
    elsewhere = ask(assertion(jti=uuid.uuid4().hex, aud="https://elsewhere.example/oauth/token"))
    assert elsewhere.status_code in (400, 401), elsewhere.text
    assert elsewhere.json()["error"] in ("invalid_client", "invalid_grant")


def test_clients_cli_add_list_rotate_disable(demo: Demo) -> None:
    """Promise: `elicense clients add|list|disable|rotate-secret`: add prints the secret
    once; rotate-secret prints a new one and the old one stops; disable makes its tokens
    stop working now."""
    added = demo.cli(
        "clients", "add", "--demo", "--name", "徐汇社保中心", "--uscc", "12310104425000002N",
        "--item", "social_security_card", "--client-id", "xh-shebao",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    secrets = [s for s in re.findall(r"[A-Za-z0-9_\-]{24,}", added.stdout) if s != "xh-shebao"]
    secret = next(s for s in secrets if demo.token_response("xh-shebao", s).status_code == 200)
    listed = demo.cli("clients", "list", "--demo")
    assert listed.returncode == 0
    assert "xh-shebao" in listed.stdout
    assert secret not in listed.stdout

    rotated = demo.cli("clients", "rotate-secret", "--demo", "xh-shebao")
    assert rotated.returncode == 0, rotated.stderr
    assert demo.token_response("xh-shebao", secret).status_code == 401
    new_secret = next(
        s for s in re.findall(r"[A-Za-z0-9_\-]{24,}", rotated.stdout)
        if demo.token_response("xh-shebao", s).status_code == 200
    )  # fmt: skip
    token = demo.token_response("xh-shebao", new_secret).json()["access_token"]
    asked = demo.ask(
        {ZHANG_WEI: {"resident_id": ["name"]}}, token=token, item="social_security_card"
    )
    assert asked.status_code == 201, asked.text

    disabled = demo.cli("clients", "disable", "--demo", "xh-shebao")
    assert disabled.returncode == 0, disabled.stderr
    assert demo.token_response("xh-shebao", new_secret).json()["error"] == "invalid_client"
    after = demo.ask(
        {ZHANG_WEI: {"resident_id": ["name"]}}, token=token, item="social_security_card"
    )
    assert after.status_code == 401, after.text


def test_admin_clients_api_and_a_client_keeps_to_its_items(demo: Demo) -> None:
    """Promise: clients "and the same under the admin API" (`/admin/clients`: POST, GET,
    GET /{id}, disable, rotate-secret; admin token); a client has "its allowed bundle
    items", so it cannot ask for another item."""
    body = {
        "name": "徐汇户政",
        "uscc": "11310104002410002P",
        "bundle_items": ["social_security_card"],
    }
    assert demo.http.post("/admin/clients", json=body).status_code == 401
    created = demo.http.post("/admin/clients", json=body, headers=demo.admin())
    assert created.status_code == 201, created.text
    client_id = created.json()["client"]["client_id"]
    secret = created.json()["client_secret"]
    assert (
        demo.http.get(f"/admin/clients/{client_id}", headers=demo.admin()).json()["name"]
        == "徐汇户政"
    )
    assert client_id in {
        c["client_id"] for c in demo.http.get("/admin/clients", headers=demo.admin()).json()
    }
    assert secret not in demo.http.get(f"/admin/clients/{client_id}", headers=demo.admin()).text

    token = demo.service_token(client_id, secret)
    beyond = demo.ask(
        {ZHANG_WEI: {"resident_id": ["name"]}}, token=token, item="birth_registration"
    )
    assert 400 <= beyond.status_code < 500, beyond.text
    assert beyond.status_code != 401, beyond.text

    rotated = demo.http.post(f"/admin/clients/{client_id}/rotate-secret", headers=demo.admin())
    assert rotated.status_code == 200, rotated.text
    assert demo.token_response(client_id, secret).status_code == 401
    assert demo.token_response(client_id, rotated.json()["client_secret"]).status_code == 200
    assert (
        demo.http.post(f"/admin/clients/{client_id}/disable", headers=demo.admin()).status_code
        == 200
    )
    assert demo.token_response(client_id, rotated.json()["client_secret"]).status_code == 401


# -- 2. authorisation requests ------------------------------------------------------------


def test_request_beyond_its_bundle_item_is_422_naming_the_field(demo: Demo) -> None:
    """Promise: "A request that asks for more than its bundle item allows (types or
    claims) is refused when created (422 naming the field)": `422 beyond_bundle_item`."""
    item = "medical_insurance_enrolment"  # resident_id: name, id_number, address only
    wrong_type = demo.ask({ZHANG_WEI: {"marriage": ["certificate_number"]}}, item=item)
    assert wrong_type.status_code == 422, wrong_type.text
    assert wrong_type.json()["error"]["code"] == "beyond_bundle_item"
    assert "marriage" in wrong_type.json()["error"]["field"]
    wrong_claim = demo.ask({ZHANG_WEI: {"resident_id": ["name", "sex"]}}, item=item)
    assert wrong_claim.status_code == 422, wrong_claim.text
    assert wrong_claim.json()["error"]["code"] == "beyond_bundle_item"
    assert "resident_id" in wrong_claim.json()["error"]["field"]


def test_purpose_is_required_and_at_most_200_characters(demo: Demo) -> None:
    """Promise: "a purpose (申请事由, required, ≤ 200 characters)"."""
    ask = {ZHANG_WEI: {"resident_id": ["name"]}}
    assert demo.ask(ask, purpose="事" * 200).status_code == 201
    too_long = demo.ask(ask, purpose="事" * 201)
    assert too_long.status_code == 422
    assert too_long.json()["error"]["field"] == "purpose"
    empty = demo.ask(ask, purpose="")
    assert empty.status_code == 422
    assert empty.json()["error"]["field"] == "purpose"


def test_service_sees_state_and_counts_never_who(demo: Demo) -> None:
    """Promise: "Until every holder named has approved, a pull answers `409
    consent_pending` (naming nobody); `GET /consent/requests/{id}` shows the service only
    the state and counts (`parties`, `approved`), never who approved or held out."""
    created = demo.request(SPOUSES)
    assert (created["state"], created["parties"], created["approved"]) == ("pending", 2, 0)
    assert demo.approve(LI_NA, created["id"]).status_code == 200
    state = demo.http.get(
        f"/consent/requests/{created['id']}", headers=bearer(demo.service_token())
    )
    assert state.status_code == 200, state.text
    assert (state.json()["state"], state.json()["parties"], state.json()["approved"]) == (
        "pending",
        2,
        1,
    )
    for leak in (ZHANG_WEI, LI_NA, "张伟", "李娜"):
        assert leak not in state.text
    refused(demo.pull(created["id"]), 409, "consent_pending")


# -- the preview ---------------------------------------------------------------------------


def test_preview_shows_exactly_the_values_with_service_purpose_expiry_uses(demo: Demo) -> None:
    """Promise: "The citizen sees pending requests in the wallet (API ...), with a
    preview of exactly the values that would be shared, shown as they are ..., with the
    service's name, purpose, expiry and use count."""
    created = demo.request({ZHANG_WEI: ASK}, max_uses=2)
    pending = demo.http.get("/wallet/consent/requests", headers=demo.citizen(ZHANG_WEI))
    assert created["id"] in pending.text
    preview = demo.http.get(
        f"/wallet/consent/requests/{created['id']}", headers=demo.citizen(ZHANG_WEI)
    )
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["service_name"] == '上海市"一件事"新生儿出生服务'
    assert shown["purpose"] == PURPOSE
    assert shown["expires_at"] == created["expires_at"]
    assert shown["max_uses"] == 2
    (mine,) = shown["mine"]
    for slug, claims in ASK.items():
        fields = demo.certificate(ZHANG_WEI, slug)["fields"]
        card = next(c for c in mine["certificates"] if c["type_slug"] == slug)
        assert card["values"] == {claim: fields[claim] for claim in claims}


def test_preview_on_the_web_page_is_shown_not_editable(demo: Demo) -> None:
    """Promise: the preview on the web page (`/web/consent`), "shown as they are and not
    editable", with the service's name and purpose."""
    created = demo.request({ZHANG_WEI: {"resident_id": ["name", "id_number"]}})
    browser = demo.web_session(ZHANG_WEI)
    try:
        listing = browser.get("/web/consent")
        assert listing.status_code == 200, listing.text
        page = listing.text
        if created["id"] not in page or "31010419900315123X" not in page:
            link = re.search(rf'href="([^"]*{re.escape(created["id"])}[^"]*)"', page)
            assert link, page
            page = browser.get(link.group(1)).text
    finally:
        browser.close()
    assert "新生儿出生服务" in page
    assert PURPOSE in page
    assert "张伟" in page
    assert ZHANG_WEI in page
    assert "<textarea" not in page
    assert "contenteditable" not in page
    for tag in re.findall(r"<input[^>]*>", page):
        assert "张伟" not in tag, tag
        assert ZHANG_WEI not in tag, tag


# -- 3. multi-party, guardian, delegate ----------------------------------------------------


def test_guardian_approves_for_a_minor_only_with_a_proven_relation(demo: Demo) -> None:
    """Promise: "A parent approves for a minor child: the birth certificate or the
    household register proves the relation, checked by the platform, not asserted"
    (`{"on_behalf_of": "310104201605200318"}`, else `403 relation_unproven`)."""
    created = demo.request({ZHANG_HAO: {"household_register": ["household_number", "members"]}})
    stranger = demo.approve(CHEN_QIANG, created["id"], on_behalf_of=ZHANG_HAO)
    assert stranger.status_code == 403, stranger.text
    assert stranger.json()["error"]["code"] == "relation_unproven"
    nowhere = demo.approve(CHEN_QIANG, "A" * len(created["id"]), on_behalf_of=ZHANG_HAO)
    assert nowhere.json() == stranger.json(), "the refusal reveals that the request exists"
    refused(demo.pull(created["id"]), 409, "consent_pending")
    father = demo.approve(ZHANG_WEI, created["id"], on_behalf_of=ZHANG_HAO)
    assert father.status_code == 200, father.text
    pulled = demo.pull(created["id"])
    assert pulled.status_code == 200, pulled.text
    assert [(s["holder"], s["type"]) for s in pulled.json()["shares"]] == [
        (ZHANG_HAO, "household_register")
    ]


def test_delegation_lets_the_delegate_approve_and_the_owner_sees_every_use(demo: Demo) -> None:
    """Promise: "A holder can also authorise another citizen to use one of their
    certificates (the seed's father authorising his ID card to the mother for the newborn
    bundle) ... the owner sees every such use"; "once while it stands (else `409
    conflict`)"; "revoking it also revokes every grant the delegate approved under it"."""
    body = {"delegate_id_number": LI_NA, "type_slug": "resident_id",
            "bundle_item": "birth_registration",
            "expires_at": in_days(30)}  # fmt: skip
    to_self = demo.http.post("/wallet/delegations", json={**body, "delegate_id_number": ZHANG_WEI},
                             headers=demo.citizen(ZHANG_WEI))  # fmt: skip
    assert 400 <= to_self.status_code < 500, to_self.text
    to_minor = demo.http.post("/wallet/delegations", json={**body, "delegate_id_number": ZHANG_HAO},
                              headers=demo.citizen(ZHANG_WEI))  # fmt: skip
    assert 400 <= to_minor.status_code < 500, to_minor.text
    given = demo.http.post("/wallet/delegations", json=body, headers=demo.citizen(ZHANG_WEI))
    assert given.status_code == 201, given.text
    again = demo.http.post("/wallet/delegations", json=body, headers=demo.citizen(ZHANG_WEI))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    received = demo.http.get("/wallet/delegations", headers=demo.citizen(LI_NA)).json()["received"]
    assert given.json()["id"] in {d["id"] for d in received}

    created = demo.request(
        {ZHANG_WEI: {"resident_id": ["name", "id_number"]}}, purpose="代父核验身份"
    )
    approved = demo.approve(LI_NA, created["id"], on_behalf_of=ZHANG_WEI)
    assert approved.status_code == 200, approved.text
    pulled = demo.pull(created["id"], purpose="代父核验身份")
    assert pulled.status_code == 200, pulled.text
    owner_sees = [e for e in demo.audit(ZHANG_WEI) if e.get("grant_id") == created["id"]]
    assert "pull" in {e["kind"] for e in owner_sees}, owner_sees

    revoked = demo.http.post(
        f"/wallet/delegations/{given.json()['id']}/revoke", headers=demo.citizen(ZHANG_WEI)
    )
    assert revoked.status_code == 200, revoked.text
    refused(demo.pull(created["id"], purpose="代父核验身份"), 403, "grant_revoked")


def test_device_approval_through_the_cli(demo: Demo) -> None:
    """Promise: "a holder whose key is on a device signs the approval there, and the CLI
    plays that device": `elicense device register`, then `elicense device approve
    --server $BASE --id-number ... --key phone.pem --request $REQ`; the shares verify
    with sd-jwt against the device's key."""
    env = {**demo.env, "ELICENSE_PASSWORD": "demo-password-1"}
    common = ["--server", demo.base, "--id-number", CHEN_QIANG]
    registered = cli(demo.cwd, env, "device", "register", "--key", "phone.pem", *common)
    assert registered.returncode == 0, registered.stderr
    minted = demo.http.post(
        f"/issuers/{PUBLIC_SECURITY_SH}/certificates", headers=demo.admin(),
        json={"type": "resident_id", "holder": CHEN_QIANG, "fields": chen_qiang_id_card()},
    )  # fmt: skip
    assert minted.status_code in (200, 201), minted.text
    created = demo.request({CHEN_QIANG: {"resident_id": ["name"]}}, item="social_security_card")
    approved = cli(
        demo.cwd,
        env,
        "device",
        "approve",
        *common,
        "--key",
        "phone.pem",
        "--request",
        created["id"],
    )
    assert approved.returncode == 0, approved.stderr
    pulled = demo.pull(created["id"])
    assert pulled.status_code == 200, pulled.text
    (share,) = pulled.json()["shares"]
    device_key = JWK.from_pem((demo.cwd / "phone.pem").read_bytes())
    payload = verify_share(demo, share["sd_jwt"], aud=SERVICE, nonce=created["nonce"])
    assert payload["cnf"]["jwk"]["x"] == json.loads(device_key.export_public())["x"]


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


def chen_qiang_id_card() -> dict[str, Any]:
    return {
        "name": "陈强", "sex": 1, "ethnicity": "01", "birth_date": "1978-01-30",
        "address": "浙江省杭州市上城区示范街1号", "id_number": CHEN_QIANG,
        "issuing_authority": "杭州市公安局上城分局",
    }  # fmt: skip


# -- 4. pulls and shares -------------------------------------------------------------------


def test_shares_verify_with_sd_jwt_and_disclose_exactly_the_granted_claims(demo: Demo) -> None:
    """Promise: each share is an SD-JWT VC with `vct`, `iss`, `cnf`, `status` ("the same
    status list entry as the holder's QR copy"), "only the granted claims disclosed", and
    a key-binding JWT signed by the holder's key, `aud` the service, `nonce` the request's;
    "Every SD-JWT VC verifies with the independent `sd-jwt` library"."""
    created = demo.approved_by_all(SPOUSES)
    pulled = demo.pull(created["id"])
    assert pulled.status_code == 200, pulled.text
    shares = pulled.json()["shares"]
    assert sorted((s["holder"], s["type"]) for s in shares) == sorted(
        (h, t) for h in SPOUSES for t in ASK
    )
    standard = {"iss", "vct", "cnf", "status", "iat", "nbf", "exp"}
    for share in shares:
        payload = verify_share(demo, share["sd_jwt"], aud=SERVICE, nonce=created["nonce"])
        assert {"vct", "iss", "cnf", "status"} <= set(payload)
        disclosed = {k for k in payload if k not in standard} - {
            "license_id",
            "issuer_uscc",
            "type_code",
        }
        assert disclosed == set(ASK[share["type"]]), (share["type"], sorted(payload))
        copy = demo.certificate(share["holder"], share["type"])
        for claim in ASK[share["type"]]:
            assert payload[claim] == copy["fields"][claim]
        cwt = qr_cwt(copy["qr"])
        assert payload["status"] == cwt[65535], "not the holder's QR copy's status entry"
        cose_key = cwt[8][1]
        assert base64.urlsafe_b64decode(payload["cnf"]["jwk"]["x"] + "==") == cose_key[-2]
        kb = b64json(share["sd_jwt"].rsplit("~", 1)[1].split(".")[1])
        assert (kb["aud"], kb["nonce"]) == (SERVICE, created["nonce"])


def test_annotation_is_platform_signed_with_who_when_purpose_item_valid_until(demo: Demo) -> None:
    """Promise: "a platform-signed annotation (加注: who pulled, when, for which purpose
    and item, valid until; JWS, key at `GET /platform/jwks`); an SVG card with that
    annotation as a watermark; and the hash of its audit entry as a receipt"."""
    created = demo.approved_by_all({ZHANG_WEI: {"resident_id": ["name"]}})
    pulled = demo.pull(created["id"])
    assert pulled.status_code == 200, pulled.text
    (share,) = pulled.json()["shares"]
    keys = demo.http.get("/platform/jwks").json()["keys"]
    header = b64json(share["annotation"].split(".")[0])
    jws = JWS()
    jws.deserialize(share["annotation"])
    jws.verify(JWK(**next(k for k in keys if k["kid"] == header["kid"])))
    note = json.loads(jws.payload)
    text = json.dumps(note, ensure_ascii=False)
    assert SERVICE in text or "新生儿出生服务" in text  # who pulled
    assert PURPOSE in text
    assert "birth_registration" in text
    assert "pulled_at" in note or "iat" in note  # when
    assert "valid_until" in note or "exp" in note  # valid until
    svg = share["card_svg"]
    assert svg.lstrip().startswith("<svg")
    assert PURPOSE in svg
    assert "新生儿出生服务" in svg
    assert "上海市徐汇区示范路" not in svg, "the card shows an ungranted claim (address)"
    receipts = {e["receipt"] for e in demo.audit(ZHANG_WEI) if e["kind"] == "pull"}
    assert share["audit_receipt"] in receipts


def test_refused_pulls_have_their_own_codes_and_disclose_nothing(demo: Demo) -> None:
    """Promise: a pull "for another holder, for an ungranted claim or type" or with a
    purpose that does not match the grant "is refused with its own typed code. Nothing is
    disclosed": `purpose_mismatch`, `holder_not_granted`, `type_not_granted`,
    `claim_not_granted`; `consent_denied` after a denial."""
    created = demo.approved_by_all({ZHANG_WEI: {"resident_id": ["name"]}})
    grant = created["id"]
    mismatch = demo.pull(grant, purpose="别的事由")
    assert mismatch.status_code in (403, 409, 422), mismatch.text
    assert mismatch.json()["error"]["code"] == "purpose_mismatch"
    cases = {
        "holder_not_granted": {"holder": LI_NA, "type": "resident_id"},
        "type_not_granted": {"holder": ZHANG_WEI, "type": "marriage"},
        "claim_not_granted": {"holder": ZHANG_WEI, "type": "resident_id", "claims": ["address"]},
    }
    for code, wanted in cases.items():
        response = demo.pull(grant, certificates=[wanted])
        assert response.status_code in (403, 422), response.text
        assert response.json()["error"]["code"] == code, response.text
        assert "sd_jwt" not in response.text
        assert "上海市徐汇区" not in response.text
    narrowed = demo.pull(
        grant, certificates=[{"holder": ZHANG_WEI, "type": "resident_id", "claims": ["name"]}]
    )
    assert narrowed.status_code == 200, narrowed.text

    denied = demo.request({ZHANG_WEI: {"resident_id": ["name"]}})
    deny = demo.http.post(
        f"/wallet/consent/requests/{denied['id']}/deny", json={}, headers=demo.citizen(ZHANG_WEI)
    )
    assert deny.status_code == 200, deny.text
    refused(demo.pull(denied["id"]), 403, "consent_denied")


def test_use_count_cannot_be_beaten_by_parallel_pulls(demo: Demo) -> None:
    """Promise: "A standing grant lasts until ... its use count runs out";
    `grant_exhausted` ("its `max_uses` taken; parallel pulls cannot beat it")."""
    created = demo.approved_by_all({ZHANG_WEI: {"resident_id": ["name"]}}, max_uses=2)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: demo.pull(created["id"]), range(8)))
    assert sorted(a.status_code for a in answers) == [200, 200] + [403] * 6, [
        a.text for a in answers
    ]
    assert {a.json()["error"]["code"] for a in answers if a.status_code != 200} == {
        "grant_exhausted"
    }


def test_pull_after_expiry_is_grant_expired(demo: Demo) -> None:
    """Promise: "A pull after expiry ... is refused with its own typed code"
    (`grant_expired`)."""
    created = demo.approved_by_all({ZHANG_WEI: {"resident_id": ["name"]}}, expires_in=2)
    assert demo.pull(created["id"]).status_code == 200
    time.sleep(2.2)
    refused(demo.pull(created["id"]), 403, "grant_expired")


def test_a_certificate_suspended_or_revoked_after_approval_is_never_shared(demo: Demo) -> None:
    """Promise: a pull "for a suspended or revoked certificate is refused"
    (`certificate_not_shareable`); "A certificate revoked after approval is never
    shared"."""
    holder = WANG_FANG  # holds no certificate in the demo: this card is hers alone
    card = {
        **chen_qiang_id_card(),
        "name": "王芳",
        "sex": 2,
        "birth_date": "1985-11-23",
        "id_number": holder,
    }
    minted = demo.http.post(
        f"/issuers/{PUBLIC_SECURITY_SH}/certificates", headers=demo.admin(),
        json={"type": "resident_id", "holder": holder, "fields": card},
    )  # fmt: skip
    assert minted.status_code in (200, 201), minted.text
    identifier = minted.json()["identifier"]
    created = demo.approved_by_all({holder: {"resident_id": ["name"]}}, item="social_security_card")
    status = f"/issuers/{PUBLIC_SECURITY_SH}/certificates/{identifier}/status"
    suspended = demo.http.post(
        status, json={"status": "02", "reason": "调查中"}, headers=demo.admin()
    )
    assert suspended.status_code == 200, suspended.text
    refused(demo.pull(created["id"]), 403, "certificate_not_shareable")
    revoked = demo.http.post(status, json={"status": "04", "reason": "注销"}, headers=demo.admin())
    assert revoked.status_code == 200, revoked.text
    refused(demo.pull(created["id"]), 403, "certificate_not_shareable")


# -- denied requests do not reveal whether the object exists --------------------------------


def test_another_service_or_citizen_gets_404_like_a_missing_object(demo: Demo) -> None:
    """Promise: "Denied requests must not reveal whether the object exists"; "another
    service's grant is a `404`, like one that does not exist"; anonymous is refused."""
    created = demo.approved_by_all({ZHANG_WEI: {"resident_id": ["name"]}})
    made = demo.http.post(
        "/admin/clients", headers=demo.admin(),
        json={"name": "另一服务", "uscc": "11310104002410003T",
              "bundle_items": ["birth_registration"]},
    ).json()  # fmt: skip
    other = demo.service_token(made["client"]["client_id"], made["client_secret"])
    missing = "A" * len(created["id"])
    for path in ("/consent/grants/{}/pull",):
        theirs = demo.http.post(
            path.format(created["id"]), json={"purpose": PURPOSE}, headers=bearer(other)
        )
        nothing = demo.http.post(
            path.format(missing), json={"purpose": PURPOSE}, headers=bearer(other)
        )
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.json() == nothing.json()
    theirs = demo.http.get(f"/consent/requests/{created['id']}", headers=bearer(other))
    nothing = demo.http.get(f"/consent/requests/{missing}", headers=bearer(other))
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.json() == nothing.json()

    for path in ("/wallet/consent/requests/{}", "/wallet/consent/requests/{}/approve"):
        call = demo.http.get if "approve" not in path else demo.http.post
        kwargs: dict[str, Any] = {} if call == demo.http.get else {"json": {}}
        theirs = call(path.format(created["id"]), headers=demo.citizen(CHEN_QIANG), **kwargs)
        nothing = call(path.format(missing), headers=demo.citizen(CHEN_QIANG), **kwargs)
        assert theirs.status_code == nothing.status_code == 404, (path, theirs.text)
        assert theirs.json() == nothing.json()
    assert (
        demo.http.post(
            f"/consent/grants/{created['id']}/pull", json={"purpose": PURPOSE}
        ).status_code
        == 401
    )
    assert demo.http.get(f"/wallet/consent/requests/{created['id']}").status_code == 401


@pytest.mark.parametrize("seconds", ["29", "3601"])
def test_client_token_seconds_out_of_range_is_refused_at_start(
    tmp_path: Path, seconds: str
) -> None:
    """Configuration: `ELICENSE_CLIENT_TOKEN_SECONDS` (default 300) "how long a service
    client's access token lasts (30–3600)": a value outside is refused at start-up."""
    env = {
        **demo_env(f"sqlite:///{(tmp_path / 'test.db').as_posix()}"),
        "ELICENSE_CLIENT_TOKEN_SECONDS": seconds,
    }
    started = subprocess.run(
        [str(ELICENSE), "serve", "--demo", "--port", "1", "--host", "127.0.0.1"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert started.returncode != 0
    assert "CLIENT_TOKEN_SECONDS" in (started.stdout + started.stderr).upper()


def resident_number(first17: str) -> str:
    """A 公民身份号码 with its GB 11643 (ISO 7064 MOD 11-2) check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def test_a_household_register_too_large_for_a_qr_code_is_shared_as_sd_jwt(demo: Demo) -> None:
    """Promise: "A household register too large for a QR code (more than about 10
    members) is minted without one (`"qr": null, "qr_unavailable": "too_large"`); it is
    shared as an SD-JWT VC all the same" ("the household register of any size, which does
    not fit a QR code, is shareable this way")."""
    members = [{"name": "王芳", "sex": 2, "birth_date": "1985-11-23", "id_number": WANG_FANG,
                "relation": "户主"}]  # fmt: skip
    members += [
        {"name": f"王示范{n}", "sex": 1, "birth_date": "2000-01-01",
         "id_number": resident_number(f"33010620000101{2 * n - 1:03d}"), "relation": "其他"}
        for n in range(1, 30)
    ]  # fmt: skip
    fields = {
        "household_number": "330106001", "household_type": "集体户",
        "address": "浙江省杭州市西湖区示范路8号", "region_code": "330106",
        "registration_authority": "杭州市公安局西湖分局", "members": members,
    }  # fmt: skip
    minted = demo.http.post(
        f"/issuers/{PUBLIC_SECURITY_SH}/certificates", headers=demo.admin(),
        json={"type": "household_register", "holder": WANG_FANG, "fields": fields},
    )  # fmt: skip
    assert minted.status_code in (200, 201), minted.text
    assert minted.json()["qr"] is None
    assert minted.json()["qr_unavailable"] == "too_large"
    created = demo.approved_by_all(
        {WANG_FANG: {"household_register": ["household_number", "members"]}}
    )
    pulled = demo.pull(created["id"])
    assert pulled.status_code == 200, pulled.text
    (share,) = pulled.json()["shares"]
    payload = verify_share(demo, share["sd_jwt"], aud=SERVICE, nonce=created["nonce"])
    assert payload["household_number"] == "330106001"
    assert [m["id_number"] for m in payload["members"]] == [m["id_number"] for m in members]
    assert "address" not in payload
