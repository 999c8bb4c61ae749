"""The HTTP API through the ``client`` fixture: directory, JWKS, minting, verifying,
code checks, typed errors, atomic mints and concurrent serial allocation.

Independent code proves what production code claims: the JWKS ``kid`` is recomputed
with hashlib (RFC 7638), and a minted credential's COSE_Sign1 signature is checked
with the reference ``base45`` package, zlib, cbor2 and ``cryptography`` only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from copy import deepcopy
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import base45 as reference_base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from issuers.crypto.keys import SigningKey
from issuers.crypto.sealing import seal
from issuers.errors import CredentialInvalid, all_error_classes
from issuers.formats import qr_envelope
from issuers.store import repository as repo
from issuers.store.issuance import IssuanceService
from issuers.store.tables import certificate_holders, certificates
from tests.app_fixtures import FixedClock
from wallet.server.app import services_of

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
SAMPLE_ISSUERS: list[dict[str, Any]] = json.loads((SAMPLES / "issuers.json").read_text("utf-8"))
SAMPLE_CERTIFICATES: list[dict[str, Any]] = json.loads(
    (SAMPLES / "certificates.json").read_text("utf-8")
)

PUBLIC_SECURITY = "113100000000000017"  # 上海市公安局: resident_id, household_register
CIVIL_AFFAIRS = "11310000000000006N"  # 上海市民政局: marriage
CST = timezone(timedelta(hours=8))  # China Standard Time: validity dates are CST days

# Every code a verdict may carry when a credential is not valid.
CREDENTIAL_CODES = frozenset(
    cls.code for cls in all_error_classes() if issubclass(cls, CredentialInvalid)
) | {"payload_too_large"}

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


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


def mint(client: TestClient, headers: dict[str, str], type_slug: str, **extra: Any) -> Any:
    item = sample(type_slug)
    body = {"type": type_slug, "fields": item["fields"], **extra}
    response = client.post(f"/issuers/{item['issuer']}/certificates", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def verify(client: TestClient, qr: str) -> dict[str, Any]:
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
    return qr_envelope.wrap(cbor2.dumps(cbor2.CBORTag(18, parts)))


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def row_counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        certs = conn.execute(select(func.count()).select_from(certificates)).scalar_one()
        holders = conn.execute(select(func.count()).select_from(certificate_holders)).scalar_one()
    return int(certs), int(holders)


# --- directory and JWKS -------------------------------------------------------------


def test_list_issuers_has_the_six_samples(client: TestClient) -> None:
    response = client.get("/issuers")
    assert response.status_code == 200
    listed = {item["uscc"]: item for item in response.json()}
    assert set(listed) == {item["uscc"] for item in SAMPLE_ISSUERS}
    assert len(listed) == 6
    for item in SAMPLE_ISSUERS:
        assert listed[item["uscc"]]["name_zh"] == item["name_zh"]
        assert listed[item["uscc"]]["allowed_types"] == sorted(item["allowed_types"])


def test_get_one_issuer(client: TestClient) -> None:
    response = client.get(f"/issuers/{CIVIL_AFFAIRS}")
    assert response.status_code == 200
    body = response.json()
    assert body["uscc"] == CIVIL_AFFAIRS
    assert body["name_zh"] == "上海市民政局"
    assert body["region_code"] == "310000"
    assert body["allowed_types"] == ["marriage"]


@pytest.mark.parametrize("suffix", ["", "/jwks.json"])
def test_unknown_issuer_is_404(client: TestClient, suffix: str) -> None:
    # Well-formed (valid GB 32100 check character) but not registered.
    assert_error(client.get(f"/issuers/91310115591693856A{suffix}"), 404, "not_found")


@pytest.mark.parametrize(
    "uscc",
    ["abc", "11310000000000006n", "11310000000000006NX", "1131000000000000", "11310000000000006!"],
)
@pytest.mark.parametrize("suffix", ["", "/jwks.json"])
def test_malformed_uscc_is_422(client: TestClient, uscc: str, suffix: str) -> None:
    assert_error(client.get(f"/issuers/{uscc}{suffix}"), 422, "invalid_input")


def test_jwks_kid_is_the_rfc7638_thumbprint_and_verifies_a_fresh_credential(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    minted = mint(client, admin_headers, "marriage")
    response = client.get(f"/issuers/{CIVIL_AFFAIRS}/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) >= 1
    by_kid = {}
    for jwk in keys:
        required = ("crv", "kty", "x") if jwk["kty"] == "OKP" else ("crv", "kty", "x", "y")
        canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
        thumbprint = hashlib.sha256(canonical.encode("utf-8")).digest()
        assert jwk["kid"] == base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
        by_kid[thumbprint] = jwk

    protected_raw, _unprotected, payload, signature = cose_parts(minted["qr"])
    protected = cbor2.loads(protected_raw)
    jwk = by_kid[protected[4]]  # the credential's kid names one of the published keys
    assert jwk["kid"] == minted["kid"]
    assert jwk["status"] == "active"
    to_be_signed = cbor2.dumps(["Signature1", protected_raw, b"", payload])
    if jwk["kty"] == "OKP":
        assert protected[1] == -8
        public = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        public.verify(signature, to_be_signed)  # raises InvalidSignature on mismatch
    else:
        assert protected[1] == -7
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(b64url_decode(jwk["x"]), "big"),
            int.from_bytes(b64url_decode(jwk["y"]), "big"),
            ec.SECP256R1(),
        )
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        numbers.public_key().verify(der, to_be_signed, ec.ECDSA(SHA256()))
    # And the signed claims are the ones the API reported.
    claims = cbor2.loads(payload)
    assert claims[1] == CIVIL_AFFAIRS
    assert claims[-65537][1] == minted["identifier"]


# --- minting and verifying ---------------------------------------------------------


@pytest.mark.parametrize("item", SAMPLE_CERTIFICATES, ids=lambda item: item["type"])
def test_mint_then_verify_every_sample_type(
    client: TestClient, admin_headers: dict[str, str], item: dict[str, Any]
) -> None:
    body = {"type": item["type"], "fields": item["fields"], "valid_from": item["valid_from"]}
    response = client.post(
        f"/issuers/{item['issuer']}/certificates", json=body, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    minted = response.json()
    assert minted["identifier"].startswith("1.2.156.3005.2.")
    assert f".{item['issuer']}." in minted["identifier"]
    assert minted["qr"].startswith("EL1:")
    assert minted["type"] == item["type"]
    assert minted["issuer"] == item["issuer"]

    verdict = verify(client, minted["qr"])
    assert verdict["valid"] is True, verdict
    assert verdict["code"] is None
    credential = verdict["credential"]
    assert credential["identifier"] == minted["identifier"]
    assert credential["type"]["slug"] == item["type"]
    assert credential["issuer"]["uscc"] == item["issuer"]
    assert credential["holder_codes"] == minted["holder_codes"]
    for key, value in item["fields"].items():
        if isinstance(value, str | int) and key != "birth_datetime":
            assert credential["fields"][key] == value, key


def test_mint_by_type_code_works_too(client: TestClient, admin_headers: dict[str, str]) -> None:
    type_code = client.get("/catalogue/marriage").json()["type_code"]
    minted = mint(client, admin_headers, "marriage", type=type_code)
    assert minted["type"] == "marriage"


def test_one_character_changes_never_verify(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    body = qr[4:]
    positions = sorted({*range(0, len(body), max(1, len(body) // 25)), len(body) - 1})
    seen = set()
    for position in positions:
        original = body[position]
        replacement = BASE45_ALPHABET[(BASE45_ALPHABET.index(original) + 1) % 45]
        tampered = "EL1:" + body[:position] + replacement + body[position + 1 :]
        assert tampered != qr
        verdict = verify(client, tampered)
        if verdict["valid"]:
            # DEFLATE is malleable: rarely, a changed character alters only how the
            # zlib stream is written (measured: in 39 of 150 mints one position of
            # ~630 did), and it inflates to the very same signed COSE bytes. That is
            # the same credential, not a forgery; anything else must fail.
            assert qr_envelope.unwrap(tampered) == qr_envelope.unwrap(qr), (position, verdict)
            continue
        assert verdict["code"] in CREDENTIAL_CODES, (position, verdict)
        assert verdict["credential"] is None
        seen.add(verdict["code"])
    assert seen  # at least one tamper was judged


def test_a_flipped_signature_byte_is_signature_invalid(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    assert verify(client, rewrap(cose_parts(qr)))["valid"] is True  # re-wrapping alone is harmless
    for index in (0, 31, 63):
        parts = cose_parts(qr)
        signature = bytearray(parts[3])
        signature[index] ^= 0x01
        parts[3] = bytes(signature)
        verdict = verify(client, rewrap(parts))
        assert verdict["valid"] is False
        assert verdict["code"] == "signature_invalid", verdict


def test_swapping_the_holder_in_the_payload_is_signature_invalid(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    parts = cose_parts(qr)
    claims = cbor2.loads(parts[2])
    assert claims[2] == "31010419900315123X"
    claims[2] = "11010519491231002X"  # another valid 公民身份号码
    parts[2] = cbor2.dumps(claims)
    verdict = verify(client, rewrap(parts))
    assert verdict["valid"] is False
    assert verdict["code"] == "signature_invalid"


# --- mint errors -------------------------------------------------------------------


def test_bad_check_digit_in_id_number_is_422_naming_the_field(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    item = sample("resident_id")
    item["fields"]["id_number"] = "310104199003151230"  # correct check character is X
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 422, "check_digit_mismatch", field="id_number")


def test_bad_check_digit_in_a_nested_id_number_names_the_dotted_path(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    item = sample("marriage")
    item["fields"]["party_b"]["id_number"] = "320102199207082467"  # correct check is 6
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        json={"type": "marriage", "fields": item["fields"]},
        headers=admin_headers,
    )
    error = assert_error(response, 422, "check_digit_mismatch", field="party_b.id_number")
    assert any(d["field"] == "party_b.id_number" for d in error["details"])


def test_schema_problems_are_422_schema_invalid(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    item = sample("resident_id")
    del item["fields"]["name"]
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 422, "schema_invalid", field="name")


def test_unknown_type_is_404(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "no_such_type", "fields": {}},
        headers=admin_headers,
    )
    assert_error(response, 404, "not_found", field="type")


def test_unknown_issuer_mint_is_404(client: TestClient, admin_headers: dict[str, str]) -> None:
    item = sample("resident_id")
    response = client.post(
        "/issuers/91310115591693856A/certificates",
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 404, "not_found")


def test_type_not_allowed_for_issuer_is_403(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI
) -> None:
    before = row_counts(services_of(app).engine)
    item = sample("resident_id")
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",  # civil affairs may only issue marriage
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 403, "forbidden", field="type")
    assert row_counts(services_of(app).engine) == before


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "test-admin-token-0123456789abcdef"},  # no scheme
        {"Authorization": "Basic dGVzdC1hZG1pbi10b2tlbi0wMTIzNDU2Nzg5YWJjZGVm"},
    ],
    ids=["none", "wrong", "empty", "no-scheme", "basic"],
)
def test_mint_without_a_valid_token_is_401(
    client: TestClient, app: FastAPI, headers: dict[str, str]
) -> None:
    item = sample("resident_id")
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "resident_id", "fields": item["fields"]},
        headers=headers,
    )
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert row_counts(services_of(app).engine) == (0, 0)


def test_unauthorised_mint_does_not_reveal_validation_errors(client: TestClient) -> None:
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates", json={"type": "resident_id", "fields": {}}
    )
    assert_error(response, 401, "unauthorized")


def test_oversized_body_is_413(client: TestClient, admin_headers: dict[str, str]) -> None:
    item = sample("resident_id")
    item["fields"]["padding"] = "x" * (64 * 1024 + 1)
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 413, "payload_too_large")
    big = client.post("/verify", json={"qr": "EL1:" + "A" * (65 * 1024)})
    assert_error(big, 413, "payload_too_large")


def test_oversized_chunked_body_without_content_length_is_413(client: TestClient) -> None:
    """A client may stream a body (Transfer-Encoding: chunked) with no Content-Length;
    the cap must answer it with the same typed 413."""

    def chunks() -> Iterator[bytes]:
        yield b'{"qr": "EL1:'
        for _ in range(70):
            yield b"A" * 1024
        yield b'"}'

    response = client.post(
        "/verify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    "content",
    [b"{", b"not json", b'{"type": "resident_id", "fields": }', b"\xff\xfe\x00", b""],
    ids=["truncated", "text", "bad-value", "bad-utf8", "empty"],
)
def test_invalid_json_is_422(
    client: TestClient, admin_headers: dict[str, str], content: bytes
) -> None:
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        content=content,
        headers={**admin_headers, "content-type": "application/json"},
    )
    assert_error(response, 422, "invalid_input")
    response = client.post("/verify", content=content, headers={"content-type": "application/json"})
    assert_error(response, 422, "invalid_input")


@pytest.mark.parametrize(
    "body",
    [[], "EL1:x", {"qr": 12}, {"qr": None}, {}, {"qr": ["EL1:"]}],
    ids=["list", "string", "int", "null", "missing", "nested"],
)
def test_wrong_shapes_on_verify_are_422(client: TestClient, body: Any) -> None:
    assert_error(client.post("/verify", json=body), 422, "invalid_input")


def test_deeply_nested_json_is_a_typed_client_error(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    nested = b'{"type": "resident_id", "fields": {"a": ' + b"[" * 20000 + b"]" * 20000 + b"}}"
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        content=nested,
        headers={**admin_headers, "content-type": "application/json"},
    )
    assert response.status_code in {400, 422}, response.text
    assert response.json()["error"]["code"] in {"bad_request", "invalid_input"}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"valid_until": "9999-12-31"}, "valid_until"),
        ({"valid_from": "2026-01-02", "valid_until": "2026-01-01"}, "valid_until"),
        ({"valid_from": "not-a-date"}, "valid_from"),
    ],
    ids=["end-of-calendar", "end-before-start", "not-a-date"],
)
def test_impossible_validity_is_422_not_500(
    client: TestClient,
    admin_headers: dict[str, str],
    app: FastAPI,
    extra: dict[str, str],
    field: str,
) -> None:
    item = sample("marriage")
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        json={"type": "marriage", "fields": item["fields"], **extra},
        headers=admin_headers,
    )
    error = assert_error(response, 422, "invalid_input")
    assert field in (error.get("field") or ""), error
    assert row_counts(services_of(app).engine) == (0, 0)


# --- verify verdicts ---------------------------------------------------------------


def test_expired_credential(
    client: TestClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    minted = mint(
        client, admin_headers, "marriage", valid_from="2026-01-01", valid_until="2026-12-31"
    )
    end = datetime(2027, 1, 1, tzinfo=CST)  # the day after valid_until, China Standard Time
    clock.now = end - timedelta(minutes=5)
    assert verify(client, minted["qr"])["valid"] is True
    clock.now = end + timedelta(minutes=5)
    verdict = verify(client, minted["qr"])
    assert verdict["valid"] is False
    assert verdict["code"] == "expired"
    assert verdict["credential"] is None


def test_not_yet_valid_credential(
    client: TestClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    minted = mint(client, admin_headers, "marriage", valid_from="2027-03-01")
    verdict = verify(client, minted["qr"])
    assert verdict["valid"] is False
    assert verdict["code"] == "not_yet_valid"
    clock.now = datetime(2027, 3, 1, tzinfo=CST) + timedelta(minutes=5)
    assert verify(client, minted["qr"])["valid"] is True


@pytest.mark.parametrize(
    ("qr", "codes"),
    [
        ("hello", {"malformed"}),
        ("", {"malformed"}),
        ("EL2:ABC", {"unsupported_version"}),
        ("EL1:abc", {"base45_invalid"}),
        ("EL1:" + "0" * 30, {"compression_invalid", "malformed"}),
        ("EL1:" + qr_envelope.wrap(b"\xa0")[4:], {"malformed"}),  # valid zlib, CBOR {} not COSE
    ],
    ids=["no-prefix", "empty", "future-version", "lowercase", "not-zlib", "not-cose"],
)
def test_garbage_is_a_malformed_verdict(client: TestClient, qr: str, codes: set[str]) -> None:
    verdict = verify(client, qr)
    assert verdict["valid"] is False
    assert verdict["code"] in codes, verdict
    assert verdict["message"]


def test_truncated_credential(client: TestClient, admin_headers: dict[str, str]) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    cut = qr[: len(qr) // 2]
    cut = cut[: 4 + (len(cut) - 4) // 3 * 3]  # whole Base45 groups, so only zlib can complain
    verdict = verify(client, cut)
    assert verdict["valid"] is False
    assert verdict["code"] in {"truncated", "compression_invalid"}, verdict


def test_a_zlib_bomb_is_refused(client: TestClient) -> None:
    bomb = qr_envelope.wrap(b"\x00" * (1024 * 1024))
    assert len(bomb) <= 4296
    verdict = verify(client, bomb)
    assert verdict["valid"] is False
    assert verdict["code"] == "inflate_limit_exceeded"


def test_qr_text_over_4296_chars_is_a_payload_too_large_verdict(client: TestClient) -> None:
    verdict = verify(client, "EL1:" + "A" * 4293)  # 4297 characters
    assert verdict["valid"] is False
    assert verdict["code"] == "payload_too_large"
    at_limit = verify(client, "EL1:" + "A" * 4292)  # 4296 characters: judged on content
    assert at_limit["code"] != "payload_too_large"


# --- code checks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "normalized"),
    [
        ("resident_id", "11010519491231002X", "11010519491231002X"),
        ("resident_id", "11010519491231002x", "11010519491231002X"),
        ("uscc", "91310115591693856A", "91310115591693856A"),
        ("region", "310104", "310104"),
        (
            "identifier",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
        ),
    ],
)
def test_code_check_valid(client: TestClient, kind: str, value: str, normalized: str) -> None:
    response = client.post("/codes/check", json={"kind": kind, "value": value})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is True
    assert body["normalized"] == normalized


def test_code_check_details(client: TestClient) -> None:
    body = client.post(
        "/codes/check", json={"kind": "resident_id", "value": "11010519491231002X"}
    ).json()
    assert body["details"] == {"region_code": "110105", "birth_date": "1949-12-31", "sex_code": 2}


@pytest.mark.parametrize(
    ("kind", "value", "codes"),
    [
        ("resident_id", "110105194912310021", {"check_digit_mismatch"}),
        ("resident_id", "1101051949123100", {"invalid_code"}),
        ("resident_id", "11010519491331002X", {"invalid_code", "check_digit_mismatch"}),
        ("uscc", "91310115591693856B", {"check_digit_mismatch"}),
        ("uscc", "91310115591693856", {"invalid_code"}),
        ("uscc", "9131011559169385IA", {"invalid_code"}),
        ("region", "31010", {"invalid_code"}),
        ("region", "abcdef", {"invalid_code"}),
        (
            "identifier",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.G",
            {"check_digit_mismatch"},
        ),
        ("identifier", "1.2.156.3005.2.nope", {"invalid_code"}),
    ],
)
def test_code_check_invalid_is_422_naming_value(
    client: TestClient, kind: str, value: str, codes: set[str]
) -> None:
    response = client.post("/codes/check", json={"kind": kind, "value": value})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] in codes, error
    assert error["field"] == "value"
    assert error["message"]


def test_code_check_unknown_kind_is_422(client: TestClient) -> None:
    response = client.post("/codes/check", json={"kind": "passport", "value": "E12345678"})
    assert_error(response, 422, "invalid_input", field="kind")


# --- atomic mints ------------------------------------------------------------------


def test_failure_after_the_serial_is_taken_leaves_no_rows(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI
) -> None:
    mint(client, admin_headers, "marriage")
    before = row_counts(services_of(app).engine)
    assert before == (1, 2)
    item = sample("marriage")
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        # The fields parse; build_record then refuses the holder, after allocate_serials.
        json={"type": "marriage", "fields": item["fields"], "holder": "11010519491231002X"},
        headers=admin_headers,
    )
    assert_error(response, 422, "invalid_input", field="holder")
    assert row_counts(services_of(app).engine) == before


def test_a_key_that_cannot_be_unsealed_is_503_and_leaves_no_rows(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI, clock: FixedClock
) -> None:
    stranger = SigningKey.generate()
    kid = stranger.public.kid
    sealed = seal(b"\x42" * 32, stranger.to_pkcs8(), associated=kid.encode())  # other master key
    with services_of(app).engine.begin() as conn:
        repo.add_key(conn, CIVIL_AFFAIRS, stranger.public, sealed, clock() + timedelta(seconds=1))
    item = sample("marriage")
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        json={"type": "marriage", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 503, "key_unavailable")
    assert row_counts(services_of(app).engine) == (0, 0)


def test_a_crash_while_writing_holders_rolls_back_the_certificate(
    service: IssuanceService, engine: Engine
) -> None:
    """Fault injection at the last statement of a mint: the certificate row is already
    inserted in the transaction when the holder insert blows up."""
    item = sample("marriage")
    service.mint("marriage", CIVIL_AFFAIRS, item["fields"])
    before = row_counts(engine)
    armed = threading.Event()
    armed.set()

    def explode(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if armed.is_set() and statement.lstrip().upper().startswith(
            "INSERT INTO CERTIFICATE_HOLDERS"
        ):
            raise RuntimeError("simulated crash")

    event.listen(engine, "before_cursor_execute", explode)
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            service.mint("marriage", CIVIL_AFFAIRS, item["fields"])
    finally:
        event.remove(engine, "before_cursor_execute", explode)
    assert row_counts(engine) == before
    again = service.mint("marriage", CIVIL_AFFAIRS, item["fields"])  # and minting recovers
    assert row_counts(engine) == (before[0] + 1, before[1] + 2)
    with engine.connect() as conn:
        assert repo.get_certificate(conn, again.identifier) is not None


# --- concurrency -------------------------------------------------------------------


def test_concurrent_mints_get_distinct_serials(service: IssuanceService, engine: Engine) -> None:
    item = sample("resident_id")
    barrier = threading.Barrier(8)

    def worker(n: int) -> list[tuple[str, int]]:
        barrier.wait()
        out = []
        for _ in range(n):
            minted = service.mint("resident_id", PUBLIC_SECURITY, item["fields"])
            out.append((minted.identifier, minted.record.serial))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [r for batch in pool.map(worker, [5] * 8) for r in batch]
    identifiers = [identifier for identifier, _ in results]
    serials = [serial for _, serial in results]
    assert len(results) == 40
    assert len(set(identifiers)) == 40
    assert len(set(serials)) == 40
    with engine.connect() as conn:
        stored = conn.execute(
            select(certificates.c.identifier, certificates.c.serial).where(
                certificates.c.issuer_uscc == PUBLIC_SECURITY,
                certificates.c.type_slug == "resident_id",
            )
        ).all()
    assert len(stored) == 40
    assert {row.identifier for row in stored} == set(identifiers)
    assert {row.serial for row in stored} == set(serials)


def test_mint_defaults_valid_from_to_the_injected_clock(
    client: TestClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    clock.now = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)  # already 2 November in Beijing
    minted = mint(client, admin_headers, "marriage")
    assert minted["valid_from"] == date(2026, 11, 2).isoformat()
    assert minted["issued_at"].startswith("2026-11-01T20:00:00")


# --- routing errors ----------------------------------------------------------------


def test_unknown_path_is_a_typed_404(client: TestClient) -> None:
    assert_error(client.get("/no/such/path"), 404, "not_found")


def test_wrong_method_is_a_typed_405_with_allow(client: TestClient) -> None:
    """RFC 9110 §15.5.6: a 405 response MUST carry an Allow header."""
    response = client.delete("/verify")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers.get("allow", ""), dict(response.headers)


@pytest.mark.parametrize("valid_from", ["0001-01-01", "1900-01-01"])
def test_what_the_api_mints_verifies_or_the_mint_is_refused(
    client: TestClient, admin_headers: dict[str, str], valid_from: str
) -> None:
    """An issuer must not hand out a credential that no verifier will ever accept."""
    item = sample("marriage")
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        json={"type": "marriage", "fields": item["fields"], "valid_from": valid_from},
        headers=admin_headers,
    )
    if response.status_code == 422:
        assert response.json()["error"]["field"] == "valid_from"
        return
    assert response.status_code == 201, response.text
    verdict = verify(client, response.json()["qr"])
    assert verdict["valid"] is True, verdict


def test_a_credential_too_large_for_a_version_20_qr_is_refused_and_nothing_is_written(
    client: TestClient, admin_headers: dict[str, str], engine: Any
) -> None:
    """DESIGN.md: QR credentials stay at version 20, level M (970 alphanumeric
    characters). Ten members always fit. Whether 12 fit depends on the random status
    index and on compression (3 in 60 did), so the refused case uses 16: far over."""

    from sqlalchemy import func, select

    from issuers.formats.qr_image import qr_matrix
    from issuers.store.tables import certificates

    fields = sample("household_register")["fields"]
    members = household_members(16)
    body = {"type": "household_register", "fields": {**fields, "members": members[:8]}}
    fits = client.post(f"/issuers/{PUBLIC_SECURITY}/certificates", json=body, headers=admin_headers)
    assert fits.status_code == 201, fits.text
    assert qr_matrix(fits.json()["qr"]).version <= 20
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(certificates)).scalar_one()
    body["fields"]["members"] = members
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates", json=body, headers=admin_headers
    )
    assert_error(response, 413, "payload_too_large", field="fields")
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(certificates)).scalar_one()
    assert after == before
