"""What the fuzz properties of tests/fuzz found, each pinned where a caller meets it.

1. A client assertion whose JOSE header carries a ``crit`` that is null, or a list
   holding a non-string, made joserfc raise TypeError before any signature was
   checked: POST /oauth/token answered 500 to anyone who knew a private_key_jwt
   client's id. Now 401 invalid_client, as every other refused assertion.
2. ``public_jwk`` (a client's key as registered; the CLI reads it from a file) raised
   TypeError on a ``kty`` that is not text (a JSON array). Now 422 naming the field.
3. The same assertion with a payload of JSON nested past Python's recursion limit
   (``[[[[...``, 5,000 deep, within the 8 KiB assertion cap) raised RecursionError
   while its ``iss`` was read, before any key: POST /oauth/token answered 500 to
   anyone. Now 401 invalid_client.
4. ``elicense import``: a line of JSON nested past Python's recursion limit (``[[[[...``,
   60 KB, under the 64 KiB line cap) raised RecursionError out of ``parse_line`` and
   ended the import with a traceback. Now that line is a bad line, named and skipped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.crypto.keys import SigningKey, b64url
from issuers.errors import InvalidInput
from issuers.store.bulk_import import BadLine, parse_line
from tests.app_fixtures import FixedClock
from tests.fuzz.kit import forge
from tests.wallet.clients.client_calls import HUKOU_USCC, ask_token, assertion_form, oauth_error
from wallet.clients.assertion import public_jwk
from wallet.server.app import services_of

CLIENT_ID = "fuzz-jwt"


@pytest.mark.parametrize(
    "crit",
    [None, [None], ["b64", 1], [[]], {"x": 1}, 7],
    ids=["null", "list-of-null", "list-with-int", "list-of-list", "object", "number"],
)
def test_an_assertion_with_a_malformed_crit_is_invalid_client(
    app: FastAPI, client: TestClient, clock: FixedClock, crit: Any
) -> None:
    key = SigningKey.generate()
    services = services_of(app)
    services.clients.add(
        "新生儿一件事", HUKOU_USCC, ("birth_registration",), "private_key_jwt",
        key.public.to_jwk(), CLIENT_ID,
    )  # fmt: skip
    now = int(clock.now.timestamp())
    claims = {
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "aud": services.settings.public_base_url.rstrip("/") + "/oauth/token",
        "iat": now,
        "exp": now + int(timedelta(minutes=2).total_seconds()),
        "jti": "fuzz-1",
    }
    good = forge({"alg": "EdDSA"}, claims, key)
    bad = forge({"alg": "EdDSA", "crit": crit}, {**claims, "jti": "fuzz-2"}, key)
    response = ask_token(client, assertion_form(bad))
    assert response.status_code == 401, response.text
    assert oauth_error(response) == "invalid_client"
    assert ask_token(client, assertion_form(good)).status_code == 200


@pytest.mark.parametrize("kty", [[], {}, 1, None, True])
def test_a_registered_key_whose_kty_is_not_text_is_invalid_input(kty: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        public_jwk({"kty": kty, "crv": "Ed25519", "x": "AAAA"})
    assert raised.value.field == "public_jwk"


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 60_000,
        b'{"type":"resident_id","issuer":"113100000000000017","fields":{"name":'
        + b"[" * 30_000
        + b"]" * 30_000
        + b"}}",
    ],
    ids=["array", "inside-fields"],
)
def test_an_import_line_nested_too_deeply_is_a_bad_line(raw: bytes) -> None:
    bad = parse_line(3, raw)
    assert isinstance(bad, BadLine)
    assert (bad.line, bad.code) == (3, "invalid_input")


def test_an_assertion_nested_too_deeply_is_invalid_client(client: TestClient) -> None:
    nested = "eyJhbGciOiJFZERTQSJ9." + b64url(b"[" * 5000) + ".AAAA"  # {"alg":"EdDSA"}
    response = ask_token(client, assertion_form(nested))
    assert response.status_code == 401, response.text
    assert oauth_error(response) == "invalid_client"
