"""SM2 cross-signing with code we did not write (issue 13 item 3): each implementation
signs, the others verify, with the default and a custom user ID.

* gmalg (pure Python: its own field, curve, SM3 and Z_A);
* gmssl (pure Python: CryptSM2; its ``sign_with_sm3``/``verify_with_sm3`` compute Z_A
  for the default user ID only, so for another ID e is made here with gmssl's own SM3);
* Tongsuo's own SM2 with SM3 (tongsuopy's ``EVP_DigestSign``/``EVP_DigestVerify``, which
  computes Z_A itself, default user ID), beside our Tongsuo backend, which is given e.

Also: gmssl's verify checks no range of r and s (shown on a crafted digest), so that
refusal is ours; PKCS #8 PEM passes both ways between tongsuopy and ours. The vectors of
samples/vectors/sm2/ meet these libraries in test_sm2_vector_libraries.py.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import gmalg
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from gmssl import sm2 as gmssl_sm2
from gmssl import sm3 as gmssl_sm3
from tongsuopy.crypto import hashes as t_hashes
from tongsuopy.crypto import serialization as t_serialization
from tongsuopy.crypto.asymciphers import ec as t_ec
from tongsuopy.crypto.exceptions import InvalidSignature as TongsuoInvalidSignature

from issuers.crypto import sm2
from issuers.crypto.keys import Algorithm, SigningKey
from tests.issuers.test_sm2_vectors import generator

ROOT = Path(__file__).resolve().parents[2]
SM2_DIR = ROOT / "samples" / "vectors" / "sm2"
BACKENDS = ["tongsuo", "gmssl"]
CUSTOM_ID = b"ALICE123@YAHOO.COM"
USER_IDS = [pytest.param(sm2.DEFAULT_USER_ID, id="default_id"), pytest.param(CUSTOM_ID, id="alice")]
# Several messages, the same on every run: empty, short, and up to 300 bytes.
_RNG = random.Random(13)
MESSAGES = [b"", b"message digest"] + [_RNG.randbytes(_RNG.randrange(1, 300)) for _ in range(4)]


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SM2_DIR / name).read_text("utf-8"))
    return data


def gmssl_hash(data: bytes) -> bytes:
    return bytes.fromhex(gmssl_sm3.sm3_hash(list(data)))


def gmssl_e(table: dict[str, str], public_hex: str, user_id: bytes, message: bytes) -> bytes:
    """e = SM3(Z_A ‖ M) with gmssl's SM3, Z_A laid out as GB/T 32918.2 §5.5 says."""
    fixed = bytes.fromhex(table["a"] + table["b"] + table["g"] + public_hex)
    za = gmssl_hash((8 * len(user_id)).to_bytes(2, "big") + user_id + fixed)
    return gmssl_hash(za + message)


def gmssl_crypt(table: dict[str, str], public_hex: str, d: int | None = None) -> Any:
    d_hex = "" if d is None else f"{d:064x}"
    crypt = gmssl_sm2.CryptSM2(private_key=d_hex, public_key="", ecc_table=table)
    crypt.public_key = public_hex  # after the constructor, which lstrips "0" and "4"
    return crypt


def gmssl_verify(public: sm2.Sm2PublicKey, signature: bytes, message: bytes, uid: bytes) -> bool:
    table = gmssl_sm2.default_ecc_table
    crypt = gmssl_crypt(table, public.to_bytes().hex())
    if uid == sm2.DEFAULT_USER_ID:
        return bool(crypt.verify_with_sm3(signature.hex(), message))
    return bool(crypt.verify(signature.hex(), gmssl_e(table, crypt.public_key, uid, message)))


def gmalg_verify(public: sm2.Sm2PublicKey, signature: bytes, message: bytes, uid: bytes) -> bool:
    verifier = gmalg.SM2(uid=uid, pk=b"\x04" + public.to_bytes())
    return bool(verifier.verify(message, signature[:32], signature[32:]))


def tongsuo_native_verify(public: sm2.Sm2PublicKey, signature: bytes, message: bytes) -> bool:
    """Tongsuo's own SM2 with SM3 and the default user ID (its Z_A, not ours)."""
    key = t_ec.EllipticCurvePublicNumbers(public.x, public.y, t_ec.SM2()).public_key()
    der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
    try:
        key.verify(der, message, t_ec.ECDSA(t_hashes.SM3()))
    except TongsuoInvalidSignature:
        return False
    return True


# --- Cross-signing: each signs, the others verify ----------------------------------


@pytest.mark.parametrize("user_id", USER_IDS)
def test_tongsuo_signs_gmssl_and_gmalg_verify(user_id: bytes) -> None:
    key = sm2.Sm2PrivateKey.generate()
    for message in MESSAGES:
        signature = key.sign(message, user_id, using=sm2.backend_named("tongsuo"))
        assert gmssl_verify(key.public, signature, message, user_id)
        assert gmalg_verify(key.public, signature, message, user_id)
        assert not gmalg_verify(key.public, signature, message + b"\0", user_id)


def test_tongsuo_native_signs_ours_and_gmalg_verify() -> None:
    """tongsuopy signing on its own (its Z_A, default user ID), not through our module."""
    native = t_ec.generate_private_key(t_ec.SM2())
    numbers = native.public_key().public_numbers()
    public = sm2.Sm2PublicKey(numbers.x, numbers.y)
    for message in MESSAGES:
        r, s = decode_dss_signature(native.sign(message, t_ec.ECDSA(t_hashes.SM3())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        for name in BACKENDS:
            assert public.verify(signature, message, using=sm2.backend_named(name))
            assert not public.verify(signature, message, CUSTOM_ID, using=sm2.backend_named(name))
        assert gmalg_verify(public, signature, message, sm2.DEFAULT_USER_ID)
        assert gmssl_verify(public, signature, message, sm2.DEFAULT_USER_ID)


@pytest.mark.parametrize("user_id", USER_IDS)
def test_gmssl_signs_tongsuo_verifies(user_id: bytes) -> None:
    key = sm2.Sm2PrivateKey.generate()
    table = gmssl_sm2.default_ecc_table
    crypt = gmssl_crypt(table, key.public.to_bytes().hex(), key.d)
    for n, message in enumerate(MESSAGES):
        k = f"{(key.d * 7919 + n) % (sm2.N - 1) + 1:064x}"  # any k in [1, n − 1]
        if user_id == sm2.DEFAULT_USER_ID:
            signed = crypt.sign_with_sm3(message, k)
        else:
            signed = crypt.sign(gmssl_e(table, crypt.public_key, user_id, message), k)
        signature = bytes.fromhex(signed)
        assert key.public.verify(signature, message, user_id, using=sm2.backend_named("tongsuo"))
        assert not key.public.verify(signature, message + b"\0", user_id)
        if user_id == sm2.DEFAULT_USER_ID:
            assert tongsuo_native_verify(key.public, signature, message)


@pytest.mark.parametrize("user_id", USER_IDS)
def test_gmalg_signs_ours_verifies(user_id: bytes) -> None:
    d = sm2.Sm2PrivateKey.generate().d
    signer = gmalg.SM2(d.to_bytes(32, "big"), user_id)
    public = sm2.Sm2PublicKey.from_bytes(signer.generate_pk(d.to_bytes(32, "big")))
    assert public == sm2.backend_named("tongsuo").public_of(d)
    assert public == sm2.backend_named("gmssl").public_of(d)
    for message in MESSAGES:
        r, s = signer.sign(message)
        signature = r.rjust(32, b"\0") + s.rjust(32, b"\0")
        for name in BACKENDS:
            assert public.verify(signature, message, user_id, using=sm2.backend_named(name))
        wrong = CUSTOM_ID if user_id == sm2.DEFAULT_USER_ID else sm2.DEFAULT_USER_ID
        assert not public.verify(signature, message, wrong)


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_ours_signs_tongsuo_native_verifies(backend_name: str) -> None:
    key = sm2.Sm2PrivateKey.generate()
    for message in MESSAGES:
        signature = key.sign(message, using=sm2.backend_named(backend_name))
        assert tongsuo_native_verify(key.public, signature, message)
        assert not tongsuo_native_verify(key.public, signature, message + b"\0")


# --- Ranges: gmssl does not check them, ours does -----------------------------------


def _crafted_small_s() -> tuple[sm2.Sm2PrivateKey, bytes, int, int]:
    """A valid (e, r, s = 1) for a TEST key, solved for e: s = 1 leaves room for s + n
    in 32 bytes. No message hashes to this e; it exercises verify on a digest."""
    key = sm2.Sm2PrivateKey(generator().vector_scalar("1"))
    k = generator().vector_nonce("crafted_small_s")
    x1 = sm2.backend_named("gmssl").public_of(k).x  # x of kG
    r = (k - 1 - key.d) * pow(key.d, -1, sm2.N) % sm2.N  # s = (1 + d)⁻¹(k − r·d) = 1
    e = ((r - x1) % sm2.N).to_bytes(32, "big")
    return key, e, r, 1


def test_gmssl_does_not_check_ranges_ours_does() -> None:
    key, e, r, s = _crafted_small_s()
    crypt = gmssl_crypt(gmssl_sm2.default_ecc_table, key.public.to_bytes().hex())
    assert crypt.verify(f"{r:064x}{s:064x}", e)
    # s + n is outside [1, n − 1] (GB/T 32918.2 §7.1 B2), and gmssl accepts it:
    assert crypt.verify(f"{r:064x}{s + sm2.N:064x}", e)
    # Our gmssl backend hands e to the same code, so the range check must come first:
    assert sm2.backend_named("gmssl").verify_digest(key.public, e, r, s + sm2.N)
    # Tongsuo's own verify (OpenSSL's ossl_sm2_sig_verify) refuses it.
    assert sm2.backend_named("tongsuo").verify_digest(key.public, e, r, s)
    assert not sm2.backend_named("tongsuo").verify_digest(key.public, e, r, s + sm2.N)
    # Ours refuses every r or s outside [1, n − 1] before any backend is called:
    signature = key.sign(b"range", using=sm2.backend_named("tongsuo"))
    r2, s2 = int.from_bytes(signature[:32]), int.from_bytes(signature[32:])
    for bad in [(r2, s2 + sm2.N), (r2 + sm2.N, s2), (0, s2), (r2, 0), (sm2.N, s2), (r2, sm2.N)]:
        if bad[0] >= 2**256 or bad[1] >= 2**256:
            continue
        raw = bad[0].to_bytes(32, "big") + bad[1].to_bytes(32, "big")
        for name in BACKENDS:
            assert not key.public.verify(raw, b"range", using=sm2.backend_named(name))


# --- PKCS #8 between tongsuopy and ours --------------------------------------------


def test_tongsuopy_pem_reads_with_ours() -> None:
    native = t_ec.generate_private_key(t_ec.SM2())
    pem = native.private_bytes(
        t_serialization.Encoding.PEM,
        t_serialization.PrivateFormat.PKCS8,
        t_serialization.NoEncryption(),
    )
    ours = SigningKey.from_pem(pem)
    assert ours.alg is Algorithm.SM2
    assert isinstance(ours.key, sm2.Sm2PrivateKey)
    assert ours.key.d == native.private_numbers().private_value
    signature = ours.sign(b"from tongsuopy's pem")
    assert tongsuo_native_verify(ours.key.public, signature, b"from tongsuopy's pem")


def test_our_pem_reads_with_tongsuopy() -> None:
    ours = SigningKey.generate(Algorithm.SM2)
    assert isinstance(ours.key, sm2.Sm2PrivateKey)
    native = t_serialization.load_pem_private_key(ours.to_pem(), None)
    assert native.private_numbers().private_value == ours.key.d
    numbers = native.public_key().public_numbers()
    assert (numbers.x, numbers.y) == (ours.key.public.x, ours.key.public.y)
    der = native.sign(b"from our pem", t_ec.ECDSA(t_hashes.SM3()))
    r, s = decode_dss_signature(der)
    ours.public.verify(r.to_bytes(32, "big") + s.to_bytes(32, "big"), b"from our pem")
    assert t_serialization.load_der_private_key(ours.to_pkcs8(), None).private_numbers() == (
        native.private_numbers()
    )
