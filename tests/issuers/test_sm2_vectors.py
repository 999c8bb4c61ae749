"""The SM2/SM3 vectors in samples/vectors/sm2/ through our own code (issue 13 item 3).

Every case goes through :mod:`issuers.crypto.sm2` with both backends (Tongsuo and
gmssl); the same cases meet gmssl and gmalg directly in tests/interop/test_sm2_cross.py.
Here too: the committed recommended-curve file is what scripts/make_sm2_vectors.py
makes, the QR vector tooling does not pick the SM2 folder up, key checks refuse what
the standard forbids, PKCS #8 round-trips and refuses a key whose halves disagree, and
``ELICENSE_SM2_USER_ID`` reaches both signing and verification.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from issuers.crypto import sm2, sm2_pkcs8
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.errors import InvalidInput, SettingsError, SignatureInvalid

ROOT = Path(__file__).resolve().parents[2]
SM2_DIR = ROOT / "samples" / "vectors" / "sm2"
BACKENDS = ["tongsuo", "gmssl"]
RECOMMENDED = "recommended_curve.json"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SM2_DIR / name).read_text("utf-8"))
    return data


def cases(name: str) -> list[Any]:
    return [pytest.param(case, id=case["id"]) for case in load(name)["tests"]]


@cache
def generator() -> ModuleType:
    path = ROOT / "scripts" / "make_sm2_vectors.py"
    spec = importlib.util.spec_from_file_location("make_sm2_vectors", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def verdict(case: dict[str, Any], using: sm2.Sm2Backend) -> dict[str, Any]:
    """What our module answers for one case, in the file's ``expected`` form."""
    try:
        public = sm2.Sm2PublicKey.from_bytes(bytes.fromhex(case["public_hex"]))
    except InvalidInput:
        return {"valid": False, "reason": "public_key_invalid"}
    signature = bytes.fromhex(case["signature_hex"])
    message = bytes.fromhex(case["message_hex"])
    user_id = bytes.fromhex(case["user_id_hex"])
    if public.verify(signature, message, user_id, using=using):
        return {"valid": True}
    return {"valid": False, "reason": "signature_invalid"}


# --- SM3 (GB/T 32905-2016 Appendix A) ---------------------------------------------


@pytest.mark.parametrize("case", cases("sm3.json"))
def test_sm3_appendix_a(case: dict[str, Any]) -> None:
    message = bytes.fromhex(case["message_hex"])
    assert message == case["message"].encode()
    assert sm2.sm3(message).hex() == case["digest_hex"]


# --- GB/T 32918.2 Annex A, on the standard's test curve ----------------------------


def annex_za(curve: dict[str, str], user_id: bytes, x: bytes, y: bytes) -> bytes:
    """Z_A (GB/T 32918.2 §5.5) on any curve, with our SM3: ours is fixed to one curve."""
    fixed = b"".join(bytes.fromhex(curve[k]) for k in ("a", "b", "gx", "gy"))
    return sm2.sm3((8 * len(user_id)).to_bytes(2, "big") + user_id + fixed + x + y)


def test_annex_a_user_hash_and_digest() -> None:
    vector = load("gbt32918_2_annex_a.json")
    (case,) = vector["tests"]
    user_id = bytes.fromhex(case["user_id_hex"])
    assert user_id == case["user_id"].encode()
    assert (8 * len(user_id)).to_bytes(2, "big").hex() == case["entl_hex"]
    x, y = bytes.fromhex(case["public_x_hex"]), bytes.fromhex(case["public_y_hex"])
    za = annex_za(vector["curve"], user_id, x, y)
    assert za.hex() == case["za_hex"]
    message = bytes.fromhex(case["message_hex"])
    assert message == case["message"].encode()
    assert sm2.sm3(za + message).hex() == case["e_hex"]
    # r = (e + x1) mod n (§6.1 A5) with the example's own x1.
    n = int(vector["curve"]["n"], 16)
    r = (int(case["e_hex"], 16) + int(case["x1_hex"], 16)) % n
    assert r == int(case["r_hex"], 16)


# --- The recommended curve: our module, both backends ------------------------------


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("case", cases(RECOMMENDED))
def test_recommended_curve_vector(case: dict[str, Any], backend_name: str) -> None:
    assert verdict(case, sm2.backend_named(backend_name)) == case["expected"]


@pytest.mark.parametrize("case", [c for c in cases(RECOMMENDED) if "za_hex" in c.values[0]])
def test_recommended_curve_user_hash_and_digest(case: dict[str, Any]) -> None:
    public = sm2.Sm2PublicKey.from_bytes(bytes.fromhex(case["public_hex"]))
    user_id = bytes.fromhex(case["user_id_hex"])
    assert user_id == case["user_id"].encode()
    assert sm2.user_hash(public, user_id).hex() == case["za_hex"]
    message = bytes.fromhex(case["message_hex"])
    assert sm2.message_digest(public, message, user_id).hex() == case["e_hex"]


def test_recommended_curve_file_header() -> None:
    vector = load(RECOMMENDED)
    curve = vector["curve"]
    ours = {"p": sm2.P, "a": sm2.A, "b": sm2.B, "gx": sm2.GX, "gy": sm2.GY, "n": sm2.N}
    assert {k: int(curve[k], 16) for k in ours} == ours
    key = vector["key"]
    assert key["test_only"] is True
    d = generator().vector_scalar(key["label"])
    for name in BACKENDS:
        public = sm2.backend_named(name).public_of(d)
        assert public.to_bytes() == bytes.fromhex(key["public_hex"])[1:]
    assert not any("d_hex" in case or "k_hex" in case for case in vector["tests"])


def test_generator_reproduces_the_committed_file() -> None:
    module = generator()
    assert module.render(module.build()) == (SM2_DIR / RECOMMENDED).read_text("utf-8"), (
        "recommended_curve.json is stale: run scripts/make_sm2_vectors.py, review the diff"
    )


def test_qr_vector_tooling_reads_only_the_top_folder() -> None:
    from tests.verifiers import test_vectors as qr_vectors

    assert qr_vectors.VECTOR_FILES
    assert all(path.parent == qr_vectors.VECTOR_DIR for path in qr_vectors.VECTOR_FILES)
    script = (ROOT / "scripts" / "make_vectors.py").read_text("utf-8")
    assert "rglob(" not in script
    assert set(re.findall(r"glob\((.*?)\)", script)) == {'"*.json"'}


# --- Keys: what the standard forbids is refused ------------------------------------


@pytest.mark.parametrize(
    ("x", "y"),
    [
        pytest.param(sm2.GX, (sm2.GY + 1) % sm2.P, id="off_curve"),
        pytest.param(0, 0, id="zero"),
        pytest.param(sm2.GX + sm2.P, sm2.GY, id="x_plus_p"),
        pytest.param(sm2.GX, sm2.GY + sm2.P, id="y_plus_p"),
        pytest.param(sm2.P, sm2.GY, id="x_equals_p"),
        pytest.param(-1, sm2.GY, id="x_negative"),
    ],
)
def test_public_key_refuses(x: int, y: int) -> None:
    with pytest.raises(InvalidInput):
        sm2.Sm2PublicKey(x, y)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes(63), id="63_bytes"),
        pytest.param(b"\x02" + bytes(64), id="65_bytes_not_04"),
        pytest.param(b"\x04" + sm2.GX.to_bytes(32, "big"), id="04_x_only"),
        pytest.param((sm2.P + 5).to_bytes(33, "big")[1:] + bytes(32), id="x_overflow"),
    ],
)
def test_public_key_from_bytes_refuses(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        sm2.Sm2PublicKey.from_bytes(data)


def test_public_key_from_compressed() -> None:
    generator_point = sm2.Sm2PublicKey(sm2.GX, sm2.GY)
    gx = sm2.GX.to_bytes(32, "big")
    assert sm2.Sm2PublicKey.from_compressed(gx, bool(sm2.GY & 1)) == generator_point
    with pytest.raises(InvalidInput):
        sm2.Sm2PublicKey.from_compressed(sm2.P.to_bytes(32, "big"), False)
    no_root = next(
        x
        for x in range(100)
        if pow((x**3 + sm2.A * x + sm2.B) % sm2.P, (sm2.P - 1) // 2, sm2.P) == sm2.P - 1
    )
    with pytest.raises(InvalidInput):
        sm2.Sm2PublicKey.from_compressed(no_root.to_bytes(32, "big"), False)


@pytest.mark.parametrize("d", [0, -1, sm2.N - 1, sm2.N, sm2.N + 1, 2**256])
def test_private_key_refuses(d: int) -> None:
    with pytest.raises(InvalidInput):
        sm2.Sm2PrivateKey(d)


@pytest.mark.parametrize("d", [1, 2, sm2.N - 2])
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_private_key_bounds_sign(d: int, backend_name: str) -> None:
    using = sm2.backend_named(backend_name)
    key = sm2.Sm2PrivateKey(d, using.public_of(d))
    if d == 1:
        assert key.public == sm2.Sm2PublicKey(sm2.GX, sm2.GY)
    signature = key.sign(b"bounds", using=using)
    for name in BACKENDS:
        assert key.public.verify(signature, b"bounds", using=sm2.backend_named(name))


# --- PKCS #8 ----------------------------------------------------------------------


def test_pkcs8_round_trip() -> None:
    key = SigningKey.generate(Algorithm.SM2)
    der = key.to_pkcs8()
    assert sm2_pkcs8.is_sm2(der)
    again = SigningKey.from_pkcs8(der)
    assert isinstance(again.key, sm2.Sm2PrivateKey)
    assert isinstance(key.key, sm2.Sm2PrivateKey)
    assert again.key.d == key.key.d
    assert again.public == key.public
    pem = key.to_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert SigningKey.from_pem(pem).public == key.public
    again.public.verify(key.sign(b"pkcs8"), b"pkcs8")


def test_pkcs8_refuses_public_half_of_another_key() -> None:
    der = SigningKey.generate(Algorithm.SM2).to_pkcs8()
    other = SigningKey.generate(Algorithm.SM2).to_pkcs8()
    tampered = der[:-64] + other[-64:]
    with pytest.raises(InvalidInput, match="does not belong"):
        SigningKey.from_pkcs8(tampered)
    with pytest.raises(InvalidInput):
        SigningKey.from_pem(sm2_pkcs8.pem(tampered))


@pytest.mark.parametrize("d", [0, sm2.N - 1, sm2.N, 2**256 - 1])
def test_pkcs8_refuses_scalar_out_of_range(d: int) -> None:
    der = SigningKey.generate(Algorithm.SM2).to_pkcs8()
    at = len(sm2_pkcs8._HEAD)
    with pytest.raises(InvalidInput):
        sm2_pkcs8.load(der[:at] + d.to_bytes(32, "big") + der[at + 32 :])


@pytest.mark.parametrize("cut", [1, 64, 65])
def test_pkcs8_refuses_truncated(cut: int) -> None:
    der = SigningKey.generate(Algorithm.SM2).to_pkcs8()
    with pytest.raises(InvalidInput):
        sm2_pkcs8.load(der[:-cut])


# --- ELICENSE_SM2_USER_ID ----------------------------------------------------------


def test_configured_user_id_reaches_sign_and_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sm2.USER_ID_ENV, "ALICE123@YAHOO.COM")
    key = SigningKey.generate(Algorithm.SM2)
    signature = key.sign(b"configured")
    key.public.verify(signature, b"configured")
    public = key.public.key
    assert isinstance(public, sm2.Sm2PublicKey)
    assert public.verify(signature, b"configured", b"ALICE123@YAHOO.COM")
    assert not public.verify(signature, b"configured")  # the default user ID
    monkeypatch.delenv(sm2.USER_ID_ENV)
    with pytest.raises(SignatureInvalid):
        key.public.verify(signature, b"configured")
    key.public.verify(key.sign(b"configured"), b"configured")


def test_configured_user_id_verifies_the_custom_id_vector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (case,) = [c for c in load(RECOMMENDED)["tests"] if c["id"] == "custom_user_id"]
    public = VerifyingKey(
        Algorithm.SM2, sm2.Sm2PublicKey.from_bytes(bytes.fromhex(case["public_hex"]))
    )
    signature = bytes.fromhex(case["signature_hex"])
    message = bytes.fromhex(case["message_hex"])
    monkeypatch.delenv(sm2.USER_ID_ENV, raising=False)
    with pytest.raises(SignatureInvalid):
        public.verify(signature, message)
    monkeypatch.setenv(sm2.USER_ID_ENV, case["user_id"])
    public.verify(signature, message)


def test_configured_user_id_too_long(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server setting, not the client's input: the settings refuse it at start."""
    monkeypatch.setenv(sm2.USER_ID_ENV, "x" * (sm2.MAX_USER_ID_BYTES + 1))
    with pytest.raises(SettingsError):
        sm2.configured_user_id()
