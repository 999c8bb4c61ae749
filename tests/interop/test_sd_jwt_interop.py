"""Our SD-JWT VC, read by the independent ``sd-jwt`` reference library (0.10.x).

The library checks the issuer signature, unpacks exactly the disclosed claims and
checks the Key Binding JWT (aud, nonce, sd_hash). Its ``_verify_key_binding_jwt``
takes the KB-JWT alg as ES256 unless told otherwise, so EdDSA holder keys go through
:class:`_AnyAlgVerifier`, which passes the alg the KB-JWT header names (after the
issuer JWT is verified, as the library itself does).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from jwcrypto.jwk import JWK
from jwcrypto.jws import InvalidJWSSignature
from sd_jwt.verifier import SDJWTVerifier

from issuers.crypto.base64url import b64url_decode
from issuers.crypto.keys import Algorithm, SigningKey
from issuers.formats import sd_jwt

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
AUD, NONCE = "client-social-security", "nonce-1234567890"
FIELDS = {"name": "李娜", "birth_date": "1992-07-08", "members": [{"name": "张浩"}]}


class _AnyAlgVerifier(SDJWTVerifier):  # type: ignore[misc]  # untyped library
    """The library's verifier, told the KB-JWT alg instead of assuming ES256."""

    def __init__(self, text: str, issuer_jwk: JWK, *, aud: str, nonce: str) -> None:
        super().__init__(text, lambda _iss, _header: issuer_jwk)  # no KB check yet
        kb_header = json.loads(b64url_decode(text.rsplit("~", 1)[1].split(".")[0]))
        self._verify_key_binding_jwt(aud, nonce, sign_alg=kb_header["alg"])


def _share(issuer: SigningKey, holder: SigningKey, names: list[str]) -> str:
    visible = {
        "iss": "https://elicense.example/issuers/11310000MB0000001X",
        "vct": "urn:elicense:vct:household_register",
        "iat": int(NOW.timestamp()),
        "cnf": {"jwk": holder.public.to_jwk()},
    }
    issued = sd_jwt.issue(visible, FIELDS, issuer, kid=issuer.public.kid)
    return sd_jwt.bind(issued.presentation(names), holder, aud=AUD, nonce=NONCE, iat=NOW)


# What the sd-jwt library (jwcrypto underneath) can verify; it has no SM2, whose shares
# tests/interop/test_sm2_shares.py checks with gmssl.
LIBRARY_ALGORITHMS = [Algorithm.EDDSA, Algorithm.ES256]


def _jwk(key: SigningKey) -> JWK:
    return JWK.from_json(json.dumps(key.public.to_jwk()))


@pytest.mark.parametrize("issuer_alg", LIBRARY_ALGORITHMS, ids=str)
def test_es256_holder_keys_verify_with_the_library_as_it_is(issuer_alg: Algorithm) -> None:
    issuer = SigningKey.generate(issuer_alg)
    text = _share(issuer, SigningKey.generate(Algorithm.ES256), ["name", "members"])
    payload: dict[str, Any] = SDJWTVerifier(
        text, lambda _iss, _header: _jwk(issuer), expected_aud=AUD, expected_nonce=NONCE
    ).get_verified_payload()
    assert payload["name"] == "李娜"
    assert payload["members"] == [{"name": "张浩"}]
    assert "birth_date" not in payload
    assert payload["vct"] == "urn:elicense:vct:household_register"


@pytest.mark.parametrize("issuer_alg", LIBRARY_ALGORITHMS, ids=str)
def test_eddsa_holder_keys_verify_when_the_alg_is_passed(issuer_alg: Algorithm) -> None:
    issuer = SigningKey.generate(issuer_alg)
    text = _share(issuer, SigningKey.generate(Algorithm.EDDSA), ["birth_date"])
    payload = _AnyAlgVerifier(text, _jwk(issuer), aud=AUD, nonce=NONCE).get_verified_payload()
    assert payload["birth_date"] == "1992-07-08"
    assert {"name", "members"}.isdisjoint(payload)


def test_the_library_refuses_a_wrong_nonce_and_a_wrong_issuer_key() -> None:
    issuer = SigningKey.generate()
    text = _share(issuer, SigningKey.generate(Algorithm.ES256), ["name"])
    with pytest.raises(ValueError, match="nonce"):
        SDJWTVerifier(text, lambda _i, _h: _jwk(issuer), expected_aud=AUD, expected_nonce="other")
    with pytest.raises(InvalidJWSSignature):
        SDJWTVerifier(text, lambda _i, _h: _jwk(SigningKey.generate()))


def test_the_library_refuses_a_disclosure_added_after_binding() -> None:
    issuer, holder = SigningKey.generate(), SigningKey.generate(Algorithm.ES256)
    full = _share(issuer, holder, ["name", "birth_date"]).split("~")
    trimmed = "~".join([full[0], full[1], full[3]])  # a disclosure dropped, KB kept
    with pytest.raises(ValueError, match="digest"):
        SDJWTVerifier(trimmed, lambda _i, _h: _jwk(issuer), expected_aud=AUD, expected_nonce=NONCE)
