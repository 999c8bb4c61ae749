"""SM2 inputs a hostile signer or operator can make (issue 13 review findings)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tongsuopy.crypto import serialization as tongsuo_serialization
from tongsuopy.crypto.asymciphers import ec as tongsuo_ec

from issuers.crypto import sm2
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.errors import InvalidInput, SignatureInvalid

BACKENDS = ["tongsuo", "gmssl"]


def _signature(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@pytest.mark.parametrize("name", BACKENDS)
def test_a_signature_aimed_at_the_point_at_infinity_is_refused_not_raised(name: str) -> None:
    """r = 1, s = -d/(1 + d) mod n passes the range checks and makes s·G + (r + s)·P the
    point at infinity; gmssl's own verify raised TypeError on it (a 500)."""
    key = sm2.Sm2PrivateKey.generate()
    d = key.d
    s = (-d * pow(1 + d, -1, sm2.N)) % sm2.N
    assert 1 <= s < sm2.N
    assert (1 + s) % sm2.N
    assert key.public.verify(_signature(1, s), b"any", using=sm2.backend_named(name)) is False


@pytest.mark.parametrize("name", BACKENDS)
def test_a_signature_whose_two_points_are_equal_gets_the_natives_verdict(name: str) -> None:
    """s·G = t·P (s = d/(1 - d) for r = 1): the sum is a doubling, which gmssl's own
    verify read from Jacobian coordinates."""
    key = sm2.Sm2PrivateKey.generate()
    s = key.d * pow(1 - key.d, -1, sm2.N) % sm2.N
    native = key.public.verify(_signature(1, s), b"m", using=sm2.backend_named("tongsuo"))
    assert key.public.verify(_signature(1, s), b"m", using=sm2.backend_named(name)) is native


def test_the_gmssl_backend_agrees_with_tongsuo_on_flipped_signatures() -> None:
    key = sm2.Sm2PrivateKey.generate()
    signature = bytearray(key.sign(b"message"))
    for bit in range(0, 512, 37):
        flipped = bytearray(signature)
        flipped[bit // 8] ^= 1 << (bit % 8)
        verdicts = {
            name: key.public.verify(bytes(flipped), b"message", using=sm2.backend_named(name))
            for name in BACKENDS
        }
        assert verdicts == {"tongsuo": False, "gmssl": False}, bit


def test_verifying_key_answers_signature_invalid_on_the_gmssl_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(sm2.BACKEND_ENV, "gmssl")
    key = SigningKey.generate(Algorithm.SM2)
    assert isinstance(key.key, sm2.Sm2PrivateKey)
    s = (-key.key.d * pow(1 + key.key.d, -1, sm2.N)) % sm2.N
    with pytest.raises(SignatureInvalid):
        key.public.verify(_signature(1, s), b"data")
    key.public.verify(key.sign(b"data"), b"data")  # and a real one still verifies


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        (sm2.BACKEND_ENV, "bogus", "must be tongsuo or gmssl"),
        (sm2.USER_ID_ENV, "a" * 8192, "longer than 8,191 bytes"),
        (sm2.USER_ID_ENV, "\udcff", "not UTF-8"),
    ],
)
def test_unusable_sm2_settings_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=named):
        sm2.check_environment()


def test_sm2_keys_in_other_layouts_load_and_foreign_curves_are_refused() -> None:
    native = tongsuo_ec.generate_private_key(tongsuo_ec.SM2())
    sec1 = native.private_bytes(
        tongsuo_serialization.Encoding.PEM,
        tongsuo_serialization.PrivateFormat.TraditionalOpenSSL,
        tongsuo_serialization.NoEncryption(),
    )
    loaded = SigningKey.from_pem(sec1)
    assert isinstance(loaded.key, sm2.Sm2PrivateKey)
    assert loaded.key.d == native.private_numbers().private_value
    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(InvalidInput):
        SigningKey.from_pem(p384)
    with pytest.raises(InvalidInput):
        SigningKey.from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


@pytest.mark.parametrize("spoiled", ["{}=", "!{}", " {}", "{}\n"])
def test_an_sm2_jwk_coordinate_has_one_spelling(spoiled: str) -> None:
    jwk = SigningKey.generate(Algorithm.SM2).public.to_jwk()
    with pytest.raises(InvalidInput):
        VerifyingKey.from_jwk({**jwk, "x": spoiled.format(jwk["x"])})
    assert VerifyingKey.from_jwk(jwk).to_jwk() == jwk
