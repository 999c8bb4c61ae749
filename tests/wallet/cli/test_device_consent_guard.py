"""The phone signs a wallet's KB-JWT inputs only when each is a KB-JWT signing input for
its own key and a certificate the request shows it sharing: otherwise
:func:`wallet.cli.device_consent.sign_key_binding_inputs` refuses (``malformed``) and
signs none of them, so the wallet cannot use the phone to sign other messages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from issuers.crypto.keys import SigningKey, b64url, b64url_decode
from issuers.errors import Malformed
from issuers.formats.sd_jwt import KB_JWT_TYP
from wallet.cli.device_consent import sign_key_binding_inputs
from wallet.holders.device_proof import registration_message

KEY = SigningKey.generate()
EXPECTED = frozenset({"c1", "c2"})
CLAIMS = {"iat": 1793525400, "aud": "svc_a", "nonce": "n-1", "sd_hash": "abc"}


def kb_input(header: Any = None, payload: Any = None) -> str:
    header = {"typ": KB_JWT_TYP, "alg": KEY.alg.value} if header is None else header
    payload = CLAIMS if payload is None else payload
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    return b64url(signing_input.encode())


def test_each_kb_input_is_signed_with_the_device_key() -> None:
    inputs = {"c1": kb_input(), "c2": kb_input(payload={**CLAIMS, "aud": "svc_b"})}
    signatures = sign_key_binding_inputs(KEY, inputs, EXPECTED)
    assert set(signatures) == {"c1", "c2"}
    for identifier, signature in signatures.items():
        KEY.public.verify(b64url_decode(signature), b64url_decode(inputs[identifier]))


@pytest.mark.parametrize(
    "bad",
    [
        b64url(registration_message("0" * 64, "320102199207082466")),
        kb_input(header={"typ": KB_JWT_TYP, "alg": "ES256"}),  # not this key's alg
        kb_input(header={"typ": "JWT", "alg": KEY.alg.value}),
        kb_input(header={"typ": KB_JWT_TYP, "alg": KEY.alg.value, "kid": "x"}),
        kb_input(payload={**CLAIMS, "vct": "x"}),  # more than a KB-JWT says
        kb_input(payload={k: v for k, v in CLAIMS.items() if k != "nonce"}),
        kb_input(payload={**CLAIMS, "iat": "1793525400"}),
        kb_input(payload={**CLAIMS, "aud": ""}),
        kb_input(payload=[CLAIMS]),
        kb_input() + "." + b64url(b"sig"),  # three parts: a whole JWS, not an input
        "not base64url!",
        b64url(b"\xff\xfe.\x00"),
        12345,
    ],
    ids=[
        "registration", "alg", "typ", "kid", "extra-claim", "no-nonce", "iat-text",
        "empty-aud", "array", "jws", "base64", "utf8", "number",
    ],
)  # fmt: skip
def test_anything_else_is_refused_and_nothing_is_signed(bad: Any) -> None:
    with pytest.raises(Malformed):
        sign_key_binding_inputs(KEY, {"c1": kb_input(), "c2": bad}, EXPECTED)


@pytest.mark.parametrize(
    "inputs",
    [{}, None, [kb_input()], {"c3": kb_input()}, {f"c{i}": kb_input() for i in range(65)}],
    ids=["none", "null", "list", "unshown-certificate", "too-many"],
)
def test_inputs_for_certificates_not_shown_or_no_inputs_are_refused(inputs: Any) -> None:
    with pytest.raises(Malformed):
        sign_key_binding_inputs(KEY, inputs, frozenset(f"c{i}" for i in range(65)) - {"c3"})
