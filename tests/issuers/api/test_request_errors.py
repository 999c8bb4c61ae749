"""Requests refused before any work: no or a wrong admin token (401), bodies over
the cap (413, chunked too), invalid JSON and wrong shapes (422), deep nesting, unknown
paths (404) and wrong methods (405 with Allow); each a typed error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers import (
    PUBLIC_SECURITY,
    assert_error,
    row_counts,
    sample,
)
from wallet.server.app import services_of


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


def test_unknown_path_is_a_typed_404(client: TestClient) -> None:
    assert_error(client.get("/no/such/path"), 404, "not_found")


def test_wrong_method_is_a_typed_405_with_allow(client: TestClient) -> None:
    """RFC 9110 §15.5.6: a 405 response MUST carry an Allow header."""
    response = client.delete("/verify")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers.get("allow", ""), dict(response.headers)
