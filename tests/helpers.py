"""Helpers shared by the tests: the sample data, the citizens, minting and verifying
through the API, typed-error checks, independent COSE decoding, and signing in through
the form. One copy of each, imported by every test that needs it (no test imports
helpers from another ``test_*.py`` module).

Independent code proves what production code claims: :func:`cose_parts` decodes a QR
credential with the reference ``base45`` package, zlib and cbor2 only.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Iterator
from copy import deepcopy
from datetime import date, timedelta, timezone
from pathlib import Path
from typing import Any

import base45 as reference_base45
import cbor2
from fastapi.testclient import TestClient
from httpx import Headers, Response
from sqlalchemy import Engine, func, select

from issuers.clock import Clock
from issuers.errors import CredentialInvalid, all_error_classes
from issuers.formats import qr_envelope
from issuers.store.tables import certificate_holders, certificates
from wallet.server import demo
from wallet.server.app import create_app, services_of
from wallet.server.settings import Settings

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SAMPLE_ISSUERS: list[dict[str, Any]] = json.loads((SAMPLES / "issuers.json").read_text("utf-8"))
SAMPLE_CERTIFICATES: list[dict[str, Any]] = json.loads(
    (SAMPLES / "certificates.json").read_text("utf-8")
)
PUBLIC_SECURITY = "113100000000000017"  # 上海市公安局: resident_id, household_register
CIVIL_AFFAIRS = "11310000000000006N"  # 上海市民政局: marriage
CST = timezone(timedelta(hours=8))  # China Standard Time: validity dates are CST days

ZHANG_WEI = "31010419900315123X"  # resident ID, marriage party A, household head
LI_NA = "320102199207082466"  # marriage party B, household member
CHEN_QIANG = "330102197801305178"  # the ride-hailing driver
PEOPLE = {ZHANG_WEI: "张伟", LI_NA: "李娜", CHEN_QIANG: "陈强"}
PASSWORDS = {ZHANG_WEI: "zhang-wei-secret", LI_NA: "li-na-secret-2", CHEN_QIANG: "chen-q-secret"}

# Every code a verdict may carry when a credential is not valid.
CREDENTIAL_CODES = frozenset(
    cls.code for cls in all_error_classes() if issubclass(cls, CredentialInvalid)
) | {"payload_too_large"}

_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


# --- sample data ---------------------------------------------------------------------


def sample(type_slug: str) -> dict[str, Any]:
    """The sample certificate of this type (type, issuer, fields), deep-copied."""
    found = next(item for item in SAMPLE_CERTIFICATES if item["type"] == type_slug)
    return deepcopy(found)


def household_members(count: int) -> list[dict[str, Any]]:
    """The sample household's members, then synthetic ones (valid ID numbers) up to
    ``count``."""
    from issuers.codes import make_resident_id

    members: list[dict[str, Any]] = list(sample("household_register")["fields"]["members"])
    for k in range(len(members), count):
        born = date(2000 + k, 1, 1)
        members.append(
            {
                "name": f"张某{k}",
                "sex": 1,
                "birth_date": born.isoformat(),
                "id_number": make_resident_id("310104", born, 11 + 2 * k),
                "relation": "其他",
            }
        )
    return members


# --- the HTTP API --------------------------------------------------------------------


def mint(
    client: TestClient, admin_headers: dict[str, str], type_slug: str, **extra: Any
) -> dict[str, Any]:
    """Mint the sample certificate of this type through the API (``extra`` joins the
    body: ``valid_from``, ``holder``, ``type``...); the 201 response body."""
    item = sample(type_slug)
    body = {"type": type_slug, "fields": item["fields"], **extra}
    response = client.post(
        f"/issuers/{item['issuer']}/certificates", json=body, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    minted: dict[str, Any] = response.json()
    return minted


def client_for(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """A client of another app on these settings, with the sample issuers registered
    (another process on the same database, or a differently configured server); its
    engine is disposed when the generator ends."""
    app = create_app(settings, clock=clock)
    for info in demo.sample_issuers():
        services_of(app).issuance.register_issuer(info)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    services_of(app).engine.dispose()


def verify(client: TestClient, qr: str) -> dict[str, Any]:
    """``POST /verify``: the 200 verdict."""
    response = client.post("/verify", json={"qr": qr})
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """The response is a typed error: the status, and ``{"error": {"code", "message"}}``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert isinstance(error.get("message"), str), error
    assert error["message"], error
    assert error["code"] == code, error
    if field is not None:
        assert error.get("field") == field, error
    return error


def row_counts(engine: Engine) -> tuple[int, int]:
    """How many certificate rows and certificate-holder rows are stored."""
    with engine.connect() as conn:
        certs = conn.execute(select(func.count()).select_from(certificates)).scalar_one()
        holders = conn.execute(select(func.count()).select_from(certificate_holders)).scalar_one()
    return int(certs), int(holders)


# --- COSE, decoded independently -----------------------------------------------------


def cose_parts(qr: str) -> list[Any]:
    """[protected, unprotected, payload, signature] decoded with independent code."""
    assert qr.startswith("EL1:")
    cose = zlib.decompress(reference_base45.b45decode(qr[4:]))
    tag = cbor2.loads(cose)
    assert isinstance(tag, cbor2.CBORTag)
    assert tag.tag == 18
    parts = list(tag.value)
    assert len(parts) == 4
    return parts


def rewrap(parts: list[Any]) -> str:
    """COSE_Sign1 parts (tag 18) back into QR text."""
    return qr_envelope.wrap(cbor2.dumps(cbor2.CBORTag(18, parts)))


def b64url_decode(text: str) -> bytes:
    """Base64url without padding (RFC 7515 §2), as JWK members are written."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the citizen pages ---------------------------------------------------------------


def form_token(page: Response) -> str:
    found = _FORM_TOKEN.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def csrf_meta(page: Response) -> str | None:
    found = _CSRF_META.search(page.text)
    return None if found is None else found.group(1)


def post_login(
    client: TestClient, id_number: str, password: str, *, token: str | None = None
) -> Response:
    if token is None:
        token = form_token(client.get("/web/login"))
    return client.post(
        "/web/login",
        data={"id_number": id_number, "password": password, "form_token": token},
        follow_redirects=False,
    )


def web_login(client: TestClient, id_number: str) -> None:
    response = post_login(client, id_number, PASSWORDS[id_number])
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/web/"


def set_cookie_headers(response: Response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name."""
    return {value.split("=", 1)[0]: value for value in response.headers.get_list("set-cookie")}


def assert_secure_page(headers: Headers) -> None:
    csp = headers.get("content-security-policy", "")
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "img-src 'self' data: blob:",
    ):
        assert directive in csp, csp
    assert "unsafe-inline" not in csp
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "no-referrer"
    assert headers.get("cache-control") == "no-store"


def assert_no_inline_script(html: str) -> None:
    """A strict CSP runs no inline script or handler: none may be needed."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert "style=" not in html
    assert "javascript:" not in html
