"""Issue 8 item 20: what the HTTP contract says matches what the server does.

* A 405 names every method the path takes (``Allow``, RFC 9110 §15.5.6), not only the
  first route's: ``/wallet/holder-key`` takes GET, PUT and DELETE.
* ``POST /verify`` documents a ``qr`` no longer than any JSON spelling of it that the
  64 KiB body cap lets through, so a client that respects the schema never meets 413.
* A text field where ``POST /verify/image`` wants a file is a typed 422 in our words,
  not pydantic's ``Expected UploadFile, received: <class 'str'>``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from verifiers.api import VERIFY_IMAGE_PATH
from wallet.server.settings import Settings

METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH"}


def allow_of(response: Any) -> set[str]:
    assert response.status_code == 405, response.text
    assert response.json()["error"]["code"] == "method_not_allowed"
    return {m.strip() for m in response.headers["allow"].split(",")}


@pytest.mark.parametrize("method", ["OPTIONS", "PATCH", "POST"])
def test_the_holder_key_path_allows_get_head_put_and_delete(
    client: TestClient, method: str
) -> None:
    assert allow_of(client.request(method, "/wallet/holder-key")) == {
        "GET",
        "HEAD",
        "PUT",
        "DELETE",
    }


def test_every_documented_path_names_its_documented_methods(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for template, operations in paths.items():
        documented = {m.upper() for m in operations} & METHODS
        path = re.sub(r"\{[^}]+\}", "x", template)
        unused = sorted(METHODS - documented)
        if not unused:
            continue
        allowed = allow_of(client.request(unused[0], path))
        assert documented <= allowed, (template, documented, allowed)


def _verify_schema(client: TestClient) -> dict[str, Any]:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    qr: dict[str, Any] = schemas["VerifyRequest"]["properties"]["qr"]
    return qr


def test_the_documented_qr_fits_under_the_body_cap_in_any_json_spelling(
    client: TestClient,
) -> None:
    cap = Settings.model_fields["max_request_bytes"].default
    longest = _verify_schema(client)["maxLength"]
    assert longest >= 4297  # longer than a QR holds: still a verdict, not a schema error
    # The worst JSON spelling of one character: a surrogate pair of \\u escapes.
    assert len(json.dumps({"qr": "\U0001f600" * longest})) <= cap


@pytest.mark.parametrize("char", ["A", "\u4e2d", "\U0001f600"], ids=["ascii", "cjk", "astral"])
def test_a_qr_of_the_documented_length_gets_a_verdict_not_413(
    client: TestClient, char: str
) -> None:
    longest = _verify_schema(client)["maxLength"]
    body = json.dumps({"qr": char * longest})  # ensure_ascii: \\u escapes, the longest form
    response = client.post("/verify", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["valid"] is False
    over = client.post("/verify", json={"qr": "A" * (longest + 1)})
    assert over.status_code == 422, over.text
    assert over.json()["error"]["field"] == "qr"


def test_a_text_field_named_image_is_a_clean_422(client: TestClient) -> None:
    response = client.post(VERIFY_IMAGE_PATH, data={"image": "EL1:ABC"}, files={"x": ("a", b"1")})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "image")
    assert "file" in error["message"]
    assert "<class" not in response.text
    assert "UploadFile" not in response.text
