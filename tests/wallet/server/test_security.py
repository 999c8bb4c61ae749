"""Security, tested rather than assumed.

* Every admin route (found from ``app.routes`` by its ``require_admin`` dependency, so
  a new one is covered without editing this file) refuses a missing, wrong, near-miss
  or wrongly-schemed token with a typed 401, and the token is compared with
  :func:`hmac.compare_digest`.
* Every state-changing route is either admin-only or on a short, reviewed public list.
* No private key material leaves the database, and what is in the database is sealed.
* Forged, re-signed, cross-issuer and compromised-key credentials do not verify.
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cbor2
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

import issuers.api.directory
from issuers.api import require_admin
from issuers.api.directory import AdminToken
from issuers.catalogue import get_type
from issuers.codes import build_identifier
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.crypto.sealing import unseal
from issuers.errors import KeyUnavailable
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims
from issuers.store import repository as repo
from issuers.store.tables import issuer_keys
from tests.app_fixtures import TEST_ADMIN_TOKEN, TEST_MASTER_KEY, FixedClock
from tests.helpers import (
    CIVIL_AFFAIRS,
    CREDENTIAL_CODES,
    CST,
    PUBLIC_SECURITY,
    SAMPLE_ISSUERS,
    cose_parts,
    mint,
    sample,
    verify,
)
from wallet.accounts.api import citizen_session
from wallet.server.app import admin_token, create_app, services_of
from wallet.server.settings import Settings
from wallet.web.session import web_session

SAMPLE_USCCS = [item["uscc"] for item in SAMPLE_ISSUERS]
JIANGSU_CIVIL_AFFAIRS = "11320000000000002E"

# State-changing routes anyone may call. Adding one here is a security decision.
# Reviewed: inspectors verify without an issuer token. /verify/image accepts up to
# 8 MiB and 40 Mpx per request and has no rate limit yet (noted for the ops issue).
# Reviewed: POST /wallet/login is public by nature (it is how a citizen gets a token);
# it answers an unknown number and a wrong password alike, hashes a dummy for unknown
# numbers, and locks an account after repeated failures (tests/wallet/test_accounts.py).
# Reviewed: the HTML pages. POST /web/login is the login form, with the same answers
# as /wallet/login plus a pre-session double-submit token and an Origin check against
# login CSRF (tests/web/test_wallet_pages.py). POST /web/logout reads the session from
# its cookie (not the citizen_session dependency this review finds) and revokes nothing
# without the session's CSRF token. POST /inspector is the public verification page: it
# verifies as /verify and /verify/image do, with the same image limits, behind a
# double-submit form token and an Origin check (tests/web/test_inspector_page.py).
# Reviewed: POST /oauth/token is public by nature (RFC 6749 §4.4: a service gets its
# token there); it authenticates the client itself (HTTP Basic, argon2-hashed secret,
# or an RFC 7523 assertion) and answers an unknown client and a wrong secret alike
# (tests/wallet/clients/test_token.py, test_assertion.py).
# Reviewed: POST /web/admin/login is the operator pages' login: it checks the admin token
# (compared in constant time) and sets an HttpOnly SameSite=Strict cookie holding an
# expiry and an HMAC of the token, never the token (tests/wallet/bundles/test_report_http.py).
PUBLIC_WRITE_ROUTES = {
    ("POST", "/web/admin/login"),
    ("POST", "/web/admin/logout"),  # clears the cookie, as /web/logout does
    ("POST", "/verify"),
    ("POST", "/codes/check"),
    ("POST", "/verify/image"),
    ("POST", "/wallet/login"),
    ("POST", "/web/login"),
    ("POST", "/web/logout"),
    ("POST", "/inspector"),
    ("POST", "/oauth/token"),
}
PUBLIC_JWK_MEMBERS = {"kty", "crv", "x", "y", "kid", "alg", "use", "status"}
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def _requires_admin(dependant: Dependant) -> bool:
    return any(dep.call is require_admin or _requires_admin(dep) for dep in dependant.dependencies)


def _requires_citizen(dependant: Dependant) -> bool:
    return any(
        dep.call is citizen_session or _requires_citizen(dep) for dep in dependant.dependencies
    )


def route_entries(app: FastAPI) -> Iterator[tuple[set[str], str, Dependant | None]]:
    """(methods, path template, dependant) of every route, routers included.

    FastAPI >= 0.16x nests included routers in ``app.routes``; ``iter_route_contexts``
    flattens them. Older FastAPI lists the APIRoutes directly.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI
        routes: list[Any] = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    for route in routes:
        methods = getattr(route, "methods", None)
        path = getattr(route, "path", None)
        if methods and path:
            yield set(methods), path, getattr(route, "dependant", None)


def _requires_service(dependant: Dependant) -> bool:
    """Guarded by wallet.clients.api.require_client(scope) (a service's access token)."""
    return any(
        getattr(dep.call, "__name__", "").startswith("require_client_") or _requires_service(dep)
        for dep in dependant.dependencies
    )


def _requires_web_session(dependant: Dependant) -> bool:
    return any(
        dep.call is web_session or _requires_web_session(dep) for dep in dependant.dependencies
    )


def service_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route that needs a service's access token."""
    found = []
    for methods, path, dependant in route_entries(app):
        if dependant is not None and _requires_service(dependant):
            found.extend((method, path) for method in sorted(methods))
    return found


def web_session_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every page that needs a citizen's web session
    (its POSTs also check the session's CSRF token: tests/wallet/web/)."""
    found = []
    for methods, path, dependant in route_entries(app):
        if dependant is not None and _requires_web_session(dependant):
            found.extend((method, path) for method in sorted(methods))
    return found


def admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route guarded by ``require_admin``."""
    found = []
    for methods, path, dependant in route_entries(app):
        if dependant is not None and _requires_admin(dependant):
            found.extend((method, path) for method in sorted(methods))
    return found


def citizen_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route that needs a citizen session."""
    found = []
    for methods, path, dependant in route_entries(app):
        if dependant is not None and _requires_citizen(dependant):
            found.extend((method, path) for method in sorted(methods))
    return found


def fill_path(template: str) -> str:
    """A concrete URL for a path template; ``{uscc}`` gets a real sample issuer."""
    return re.sub(
        r"\{([^}:]+)(:[^}]*)?\}", lambda m: PUBLIC_SECURITY if m[1] == "uscc" else "x", template
    )


def issuer_signing_key(engine: Engine, uscc: str) -> SigningKey:
    """The issuer's active private key, unsealed with the labelled test master key."""
    with engine.connect() as conn:
        row = repo.active_key_row(conn, uscc)
    assert row is not None
    return SigningKey.from_pkcs8(
        unseal(TEST_MASTER_KEY, row.sealed_private_key, associated=row.kid.encode())
    )


def resign(claims: CredentialClaims, key: SigningKey, *, kid: bytes | None = None) -> str:
    cose = cose_sign1.sign(claims.to_cbor(), key, kid=kid or key.public.thumbprint)
    return qr_envelope.wrap(cose)


# --- admin routes ------------------------------------------------------------------


def test_admin_route_discovery_finds_the_mint_route(app: FastAPI) -> None:
    found = admin_routes(app)
    assert ("POST", "/issuers/{uscc}/certificates") in found
    assert ("POST", "/verify") not in found  # discovery is not "everything"


def test_every_state_changing_route_is_authenticated_or_reviewed_public(app: FastAPI) -> None:
    admin = set(admin_routes(app))
    citizen = set(citizen_routes(app)) | set(web_session_routes(app))
    service = set(service_routes(app))
    assert ("POST", "/wallet/logout") in citizen
    assert ("POST", "/consent/grants/{grant_id}/pull") in service
    assert not admin & citizen
    assert not admin & service
    assert not citizen & service
    checked = 0
    for methods, path, _dependant in route_entries(app):
        for method in methods - {"GET", "HEAD", "OPTIONS"}:
            checked += 1
            key = (method, path)
            authenticated = key in admin or key in citizen or key in service
            assert authenticated or key in PUBLIC_WRITE_ROUTES, (
                f"{method} {path} changes state but is neither admin-only, "
                "citizen-only, service-only, nor on the reviewed public list"
            )
    assert checked >= len(PUBLIC_WRITE_ROUTES) + 1


def test_openapi_declares_bearer_security_on_exactly_the_admin_routes(app: FastAPI) -> None:
    spec = app.openapi()
    secured = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if any("HTTPBearer" in requirement for requirement in operation.get("security", []))
    }
    assert secured == set(admin_routes(app))
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    citizen_secured = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if any("CitizenBearer" in requirement for requirement in operation.get("security", []))
    }
    assert citizen_secured == set(citizen_routes(app))
    assert spec["components"]["securitySchemes"]["CitizenBearer"]["scheme"] == "bearer"
    service_secured = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if any("ServiceBearer" in requirement for requirement in operation.get("security", []))
    }
    assert service_secured == set(service_routes(app))
    assert spec["components"]["securitySchemes"]["ServiceBearer"]["scheme"] == "bearer"


NEAR_MISSES = {
    "none": None,
    "empty": "Bearer ",
    "wrong": "Bearer wrong",
    "last-char": "Bearer " + TEST_ADMIN_TOKEN[:-1] + chr(ord(TEST_ADMIN_TOKEN[-1]) ^ 1),
    "first-char": "Bearer " + chr(ord(TEST_ADMIN_TOKEN[0]) ^ 1) + TEST_ADMIN_TOKEN[1:],
    "prefix": "Bearer " + TEST_ADMIN_TOKEN[:-1],
    "extended": "Bearer " + TEST_ADMIN_TOKEN + "0",
    "upper-case": "Bearer " + TEST_ADMIN_TOKEN.upper(),
    "no-scheme": TEST_ADMIN_TOKEN,
    "basic": "Basic " + base64.b64encode(f"admin:{TEST_ADMIN_TOKEN}".encode()).decode(),
    "token-scheme": "Token " + TEST_ADMIN_TOKEN,
}


@pytest.mark.parametrize("authorization", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
def test_every_admin_route_refuses_a_bad_token(
    app: FastAPI, client: TestClient, authorization: str | None
) -> None:
    routes = admin_routes(app)
    assert routes  # the test covers something
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, template in routes:
        response = client.request(method, fill_path(template), json={}, headers=headers)
        assert response.status_code == 401, (method, template, response.text)
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize("authorization", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
def test_every_citizen_route_refuses_a_bad_token(
    app: FastAPI, client: TestClient, authorization: str | None
) -> None:
    """The admin token and its near misses are no citizen session either."""
    routes = citizen_routes(app)
    assert ("GET", "/wallet/me") in routes
    headers = {} if authorization is None else {"Authorization": authorization}
    headers_admin = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
    for method, template in routes:
        for given in (headers, headers_admin):
            response = client.request(method, fill_path(template), headers=given)
            assert response.status_code == 401, (method, template, response.text)
            assert response.json()["error"]["code"] == "unauthorized"
            assert response.headers["www-authenticate"].lower().startswith("bearer")


def test_admin_routes_are_closed_when_no_token_is_configured(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    settings = Settings(
        demo=False,
        data_dir=tmp_path / "var",
        database_url=database_url,
        master_key=base64.b64encode(TEST_MASTER_KEY).decode(),
        admin_token=None,
    )
    app = create_app(settings, clock=clock)
    try:
        assert app.state.provided[AdminToken] == AdminToken(None)
        routes = admin_routes(app)
        assert routes
        with TestClient(app, raise_server_exceptions=False) as client:
            for method, template in routes:
                for authorization in (
                    "Bearer ",
                    "Bearer None",
                    "Bearer null",
                    f"Bearer {TEST_ADMIN_TOKEN}",
                ):
                    response = client.request(
                        method,
                        fill_path(template),
                        json={},
                        headers={"Authorization": authorization},
                    )
                    assert response.status_code == 401, (method, template, authorization)
                    assert response.json()["error"]["code"] == "unauthorized"
    finally:
        services_of(app).engine.dispose()


@pytest.fixture
def compare_digest_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any, bool]]:
    """Spy on hmac.compare_digest as issuers.api.directory sees it (passing through)."""
    calls: list[tuple[Any, Any, bool]] = []
    real: Callable[[Any, Any], bool] = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        result = real(a, b)
        calls.append((a, b, result))
        return result

    monkeypatch.setattr(issuers.api.directory.hmac, "compare_digest", spy)
    return calls


def test_the_token_is_compared_with_hmac_compare_digest(
    client: TestClient,
    admin_headers: dict[str, str],
    compare_digest_calls: list[tuple[Any, Any, bool]],
) -> None:
    near = TEST_ADMIN_TOKEN[:-1] + chr(ord(TEST_ADMIN_TOKEN[-1]) ^ 1)
    assert len(near) == len(TEST_ADMIN_TOKEN)
    assert near != TEST_ADMIN_TOKEN
    item = sample("resident_id")
    url = f"/issuers/{PUBLIC_SECURITY}/certificates"
    body = {"type": "resident_id", "fields": item["fields"]}

    refused = client.post(url, json=body, headers={"Authorization": f"Bearer {near}"})
    assert refused.status_code == 401
    assert len(compare_digest_calls) == 1
    given, expected, result = compare_digest_calls[0]
    assert result is False
    assert {bytes(given), bytes(expected)} == {near.encode(), TEST_ADMIN_TOKEN.encode()}

    accepted = client.post(url, json=body, headers=admin_headers)
    assert accepted.status_code == 201, accepted.text
    assert len(compare_digest_calls) == 2
    assert compare_digest_calls[1][2] is True


def test_demo_admin_token_is_long_random_private_and_stable(tmp_path: Path) -> None:
    settings = Settings(demo=True, data_dir=tmp_path / "var")
    token = admin_token(settings)
    assert token is not None
    assert len(token) >= 32
    path = tmp_path / "var" / "demo-admin-token"
    assert path.stat().st_mode & 0o777 == 0o600
    assert admin_token(settings) == token
    other = Settings(demo=True, data_dir=tmp_path / "other")
    assert admin_token(other) != token


@pytest.mark.parametrize(
    "overrides",
    [
        {"master_key": None},
        {"master_key": base64.b64encode(b"short").decode()},
        {"master_key": "not base64 !!!"},
        {"admin_token": "too-short"},
    ],
    ids=["no-master-key", "short-master-key", "garbage-master-key", "short-admin-token"],
)
def test_settings_refuse_unsafe_values_outside_demo(
    tmp_path: Path, overrides: dict[str, Any]
) -> None:
    values: dict[str, Any] = {
        "demo": False,
        "data_dir": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'x.db'}",
        "master_key": base64.b64encode(TEST_MASTER_KEY).decode(),
        "admin_token": TEST_ADMIN_TOKEN,
        **overrides,
    }
    with pytest.raises(ValueError, match="ELICENSE_"):
        Settings(**values)


# --- key material ------------------------------------------------------------------


def test_jwks_never_publishes_private_members(client: TestClient, app: FastAPI) -> None:
    services_of(app).issuance.rotate_key(CIVIL_AFFAIRS, Algorithm.ES256)  # one EC key too
    kinds = set()
    for uscc in SAMPLE_USCCS:
        response = client.get(f"/issuers/{uscc}/jwks.json")
        assert response.status_code == 200
        keys = response.json()["keys"]
        assert keys
        for jwk in keys:
            assert not set(jwk) & PRIVATE_JWK_MEMBERS, jwk
            assert set(jwk) <= PUBLIC_JWK_MEMBERS, jwk
            kinds.add(jwk["kty"])
    assert kinds == {"OKP", "EC"}


def _encodings(secret: bytes) -> list[str]:
    return [
        secret.hex(),
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
    ]


def test_no_private_or_sealed_key_material_in_responses(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI
) -> None:
    minted_response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        json={"type": "marriage", "fields": sample("marriage")["fields"]},
        headers=admin_headers,
    )
    assert minted_response.status_code == 201
    with services_of(app).engine.connect() as conn:
        row = repo.active_key_row(conn, CIVIL_AFFAIRS)
    assert row is not None
    assert row.kid == minted_response.json()["kid"]
    sealed: bytes = row.sealed_private_key
    pkcs8 = unseal(TEST_MASTER_KEY, sealed, associated=row.kid.encode())
    key = SigningKey.from_pkcs8(pkcs8)
    raw_private = key.key.private_bytes_raw()  # type: ignore[union-attr]
    secrets = [*_encodings(sealed), *_encodings(pkcs8), *_encodings(raw_private)]

    texts = {
        "mint": minted_response.text,
        "jwks": client.get(f"/issuers/{CIVIL_AFFAIRS}/jwks.json").text,
        "issuer": client.get(f"/issuers/{CIVIL_AFFAIRS}").text,
        "issuers": client.get("/issuers").text,
        "verify": client.post("/verify", json={"qr": minted_response.json()["qr"]}).text,
    }
    for name, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"{name} response leaks key material"
        assert "sealed" not in text, name
        assert "private" not in text, name
    assert set(minted_response.json()) == {
        "identifier", "qr", "type", "issuer", "holder_codes", "issued_at",
        "valid_from", "valid_until", "kid", "qr_unavailable",
    }  # fmt: skip


def test_sealed_private_key_column_holds_no_plaintext(client: TestClient, app: FastAPI) -> None:
    with services_of(app).engine.connect() as conn:
        rows = conn.execute(select(issuer_keys)).all()
    assert len(rows) == len(SAMPLE_USCCS)
    for row in rows:
        sealed: bytes = row.sealed_private_key
        pkcs8 = unseal(TEST_MASTER_KEY, sealed, associated=row.kid.encode())
        key = SigningKey.from_pkcs8(pkcs8)
        # We unsealed the right thing: it is the private half of the published key.
        assert key.public.kid == row.kid
        assert VerifyingKey.from_jwk(row.public_jwk).kid == row.kid
        raw_private = key.key.private_bytes_raw()  # type: ignore[union-attr]
        assert pkcs8 not in sealed
        assert raw_private not in sealed
        assert raw_private[:16] not in sealed
        assert raw_private[16:] not in sealed
        # Sealed under the master key and bound to this kid.
        with pytest.raises(KeyUnavailable):
            unseal(b"\x42" * 32, sealed, associated=row.kid.encode())
        with pytest.raises(KeyUnavailable):
            unseal(TEST_MASTER_KEY, sealed, associated=b"another-kid")


# --- forged credentials ------------------------------------------------------------


def test_a_credential_re_signed_by_an_unknown_key_is_unknown_key(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    claims = CredentialClaims.from_cbor(cose_parts(qr)[2])
    attacker = SigningKey.generate()
    result = verify(client, resign(claims, attacker))
    assert result["valid"] is False
    assert result["code"] == "unknown_key"


def test_a_forged_signature_under_the_genuine_kid_is_signature_invalid(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    parts = cose_parts(qr)
    genuine_kid = cbor2.loads(parts[0])[4]
    claims = replace(CredentialClaims.from_cbor(parts[2]), expires=None)  # "make it 长期"
    result = verify(client, resign(claims, SigningKey.generate(), kid=genuine_kid))
    assert result["valid"] is False
    assert result["code"] == "signature_invalid"


def test_algorithm_confusion_is_refused(client: TestClient, admin_headers: dict[str, str]) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    protected_raw, unprotected, payload, signature = cose_parts(qr)
    protected = cbor2.loads(protected_raw)
    protected[1] = -7  # claim ES256 for an Ed25519 key
    forged = qr_envelope.wrap(
        cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(protected), unprotected, payload, signature]))
    )
    result = verify(client, forged)
    assert result["valid"] is False
    assert result["code"] in {"malformed", "signature_invalid"}


def test_another_issuers_key_cannot_vouch_for_a_foreign_certificate(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI
) -> None:
    """A real key of 江苏省民政厅 signs a 上海市公安局 resident ID, three ways."""
    qr = mint(client, admin_headers, "resident_id")["qr"]
    claims = CredentialClaims.from_cbor(cose_parts(qr)[2])
    jiangsu = issuer_signing_key(services_of(app).engine, JIANGSU_CIVIL_AFFAIRS)

    as_is = verify(client, resign(claims, jiangsu))
    assert (as_is["valid"], as_is["code"]) == (False, "untrusted_issuer")

    iss_rewritten = verify(client, resign(replace(claims, issuer=JIANGSU_CIVIL_AFFAIRS), jiangsu))
    assert (iss_rewritten["valid"], iss_rewritten["code"]) == (False, "claims_invalid")

    own_identifier = build_identifier(get_type("resident_id").type_code, JIANGSU_CIVIL_AFFAIRS, 9)
    laundered = replace(claims, issuer=JIANGSU_CIVIL_AFFAIRS, identifier=own_identifier)
    outside_mandate = verify(client, resign(laundered, jiangsu))
    assert (outside_mandate["valid"], outside_mandate["code"]) == (False, "untrusted_issuer")


def test_rotated_keys_keep_old_credentials_valid(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI
) -> None:
    old = mint(client, admin_headers, "marriage")
    new_kid = services_of(app).issuance.rotate_key(CIVIL_AFFAIRS)
    new = mint(client, admin_headers, "marriage")
    assert new["kid"] == new_kid != old["kid"]
    assert verify(client, old["qr"])["valid"] is True
    assert verify(client, new["qr"])["valid"] is True
    states = {
        k["kid"]: k["status"]
        for k in client.get(f"/issuers/{CIVIL_AFFAIRS}/jwks.json").json()["keys"]
    }
    assert states == {old["kid"]: "retired", new_kid: "active"}


def test_a_compromised_key_invalidates_what_it_signed(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI
) -> None:
    """DESIGN.md: "a compromised key makes every credential it signed fail"."""
    minted = mint(client, admin_headers, "marriage")
    with services_of(app).engine.begin() as conn:
        conn.execute(
            update(issuer_keys)
            .where(issuer_keys.c.kid == minted["kid"])
            .values(state="compromised", compromised_at=datetime(2026, 10, 1, tzinfo=UTC))
        )
    jwks = client.get(f"/issuers/{CIVIL_AFFAIRS}/jwks.json").json()["keys"]
    assert [k["status"] for k in jwks if k["kid"] == minted["kid"]] == ["compromised"]
    result = verify(client, minted["qr"])
    assert result["valid"] is False, result
    assert result["code"] in CREDENTIAL_CODES


@pytest.mark.parametrize(
    "change",
    [
        {"not_before": int(datetime(1, 1, 1, tzinfo=CST).timestamp())},
        {"expires": 2**62},
        {"issued_at": 2**62},
        {"issued_at": -(2**62)},
    ],
    ids=["nbf-year-1", "exp-far-future", "iat-far-future", "iat-far-past"],
)
def test_signed_but_out_of_range_dates_get_a_verdict_not_a_500(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI, change: dict[str, int]
) -> None:
    """An issuer's own key signs NumericDates Python's datetime cannot hold: the verifier
    must still answer with a verdict (a broken or hostile issuer is still input)."""
    qr = mint(client, admin_headers, "marriage")["qr"]
    claims = CredentialClaims.from_cbor(cose_parts(qr)[2])
    key = issuer_signing_key(services_of(app).engine, CIVIL_AFFAIRS)
    response = client.post("/verify", json={"qr": resign(replace(claims, **change), key)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is True or body["code"] in CREDENTIAL_CODES
