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
5. The same class of input (JSON nested too deeply) elsewhere, found by reading every
   ``json.loads``: a bundle definition file (the server's start and
   ``elicense bundles validate``: a traceback, now BundleDefinitionError), the CLI's JWK
   file (``elicense clients add``) and issuer registry file, a key binding input a
   wallet server asks ``elicense consent approve`` to sign, and any answer of the
   server to the device CLI (which also took a non-JSON answer for a traceback): each
   now its typed refusal.
"""

from __future__ import annotations

import http.server
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.crypto.keys import SigningKey, b64url
from issuers.errors import BundleDefinitionError, InvalidInput, Malformed, UsageError
from issuers.store.bulk_import import BadLine, parse_line
from tests.app_fixtures import FixedClock
from tests.fuzz.kit import forge
from tests.wallet.clients.client_calls import HUKOU_USCC, ask_token, assertion_form, oauth_error
from wallet.bundles.definitions import read_definition
from wallet.cli.clients import _read_jwk as read_jwk_file
from wallet.cli.device import WalletClient
from wallet.cli.device_consent import _key_binding_input as key_binding_input
from wallet.cli.issuer_registry import read_issuers
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


DEEP = b"[" * 300_000  # past the recursion limit, under the issuer file cap (4 MiB)


def test_a_bundle_definition_nested_too_deeply_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newborn.json"
    path.write_bytes(b"[" * 200_000)  # under the 256 KiB cap
    with pytest.raises(BundleDefinitionError, match="nested too deeply"):
        read_definition(path, handler_names=None)


def test_cli_files_nested_too_deeply_are_refused(tmp_path: Path) -> None:
    jwk, issuers = tmp_path / "key.jwk", tmp_path / "issuers.json"
    jwk.write_bytes(b"[" * 4000)  # under the 4 KiB JWK cap
    issuers.write_bytes(DEEP)
    with pytest.raises(UsageError):
        read_jwk_file(jwk)
    with pytest.raises(InvalidInput):
        read_issuers(issuers)


def test_a_key_binding_input_nested_too_deeply_is_refused() -> None:
    header = b64url(b'{"typ":"kb+jwt","alg":"EdDSA"}')
    encoded = b64url(f"{header}.{b64url(b'[' * 5000)}".encode())
    with pytest.raises(Malformed):
        key_binding_input(encoded, "EdDSA")


class _Answers(http.server.BaseHTTPRequestHandler):
    """A wallet server that logs in, then answers ``self.server.answer`` (bytes)."""

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b'{"token": "t"}' if self.path == "/wallet/login" else self.server.answer  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reply  # noqa: N815

    def log_message(self, *_args: object) -> None:
        pass


@pytest.mark.parametrize("answer", [b"[" * 5000, b"<html>", b"\xff\xfe", b"[1, 2]"])
def test_the_device_cli_refuses_an_answer_that_is_not_a_json_object(answer: bytes) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    server.answer = answer  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        client = WalletClient(base, "31010419900315123X", "pw", timeout=10)
        with pytest.raises(UsageError, match="not"):
            client.call("GET", "/wallet/certificates/x")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
