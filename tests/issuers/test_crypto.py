from __future__ import annotations

import base64
import hashlib
import json

import pytest

from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey, b64url
from issuers.crypto.sealing import seal, unseal
from issuers.errors import InvalidInput, KeyUnavailable, SignatureInvalid


def test_rfc7638_thumbprint_matches_the_rfc_worked_example_method() -> None:
    # RFC 8037 §A.3 gives the thumbprint of its Ed25519 example key.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    key = VerifyingKey.from_jwk(jwk)
    assert key.kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


@pytest.mark.parametrize("alg", list(Algorithm))
def test_jwk_round_trip_and_kid_is_sha256_of_canonical_members(alg: Algorithm) -> None:
    public = SigningKey.generate(alg).public
    jwk = public.public_jwk()
    assert jwk["alg"] == alg.value
    assert VerifyingKey.from_jwk(jwk).to_jwk() == public.to_jwk()
    members = ["crv", "kty", "x"] + (["y"] if jwk["kty"] == "EC" else [])
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=")
    assert jwk["kid"] == expected.decode()


@pytest.mark.parametrize("alg", list(Algorithm))
def test_sign_verify_and_pkcs8_round_trip(alg: Algorithm) -> None:
    key = SigningKey.generate(alg)
    signature = key.sign(b"data")
    assert len(signature) == 64
    restored = SigningKey.from_pkcs8(key.to_pkcs8())
    restored.public.verify(signature, b"data")
    with pytest.raises(SignatureInvalid):
        restored.public.verify(signature, b"Data")
    with pytest.raises(SignatureInvalid):
        restored.public.verify(signature[:-1], b"data")


def test_from_jwk_rejects_garbage() -> None:
    with pytest.raises(InvalidInput):
        VerifyingKey.from_jwk({"kty": "RSA", "crv": "x"})
    with pytest.raises(InvalidInput):
        VerifyingKey.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": b64url(b"short")})


def test_sealing_round_trip_and_binding() -> None:
    master = bytes(range(32))
    blob = seal(master, b"secret key", associated=b"kid-1")
    assert b"secret key" not in blob
    assert unseal(master, blob, associated=b"kid-1") == b"secret key"
    with pytest.raises(KeyUnavailable):
        unseal(master, blob, associated=b"kid-2")
    with pytest.raises(KeyUnavailable):
        unseal(bytes(32), blob, associated=b"kid-1")
    with pytest.raises(KeyUnavailable):
        unseal(master, blob[:-1] + bytes([blob[-1] ^ 1]), associated=b"kid-1")
