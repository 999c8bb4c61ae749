"""Every valid vector, decoded and verified by independent implementations.

STYLE.md item 8: our own decoder agreeing with our own encoder proves little. Here
nothing from ``issuers`` or ``verifiers`` touches the bytes:

* Base45: the ``base45`` package (PyPI), not ``issuers.formats.base45``;
* zlib: the standard library;
* COSE_Sign1 and its signature: ``pycose`` (through the small adapter in
  :mod:`tests.interop.pycose_adapter`), with keys built from the vector's public JWK by
  ``pycose.keys``; pycose verifies EdDSA with ``cryptography`` and ES256 with the
  pure-Python ``ecdsa`` package;
* CWT claims: ``cbor2`` alone;
* QR images: drawn by ``qrcode`` (and by ``issuers.formats.qr_image``), read by ``zxing-cpp``.
"""

from __future__ import annotations

import io
import json
import zlib
from datetime import datetime
from typing import Any

import base45 as reference_base45
import cbor2
import pytest
import qrcode
import zxingcpp
from PIL import Image
from pycose import headers
from pycose.algorithms import EdDSA, Es256
from pycose.messages import Sign1Message

from tests.interop.pycose_adapter import pycose_key, pycose_sign1, pycose_verifies
from tests.interop.vector_files import VECTOR_DIR, vector

VALID = [
    pytest.param(json.loads(path.read_text("utf-8")), id=path.stem)
    for path in sorted(VECTOR_DIR.glob("*.json"))
    if json.loads(path.read_text("utf-8"))["expected"]["valid"]
]
# pycose has no SM2: the SM2 vector's signature is checked by gmssl instead
# (tests/interop/test_sm2_interop.py); every other layer is checked here.
PYCOSE_VALID = [
    pytest.param(vec, id=path.stem)
    for path in sorted(VECTOR_DIR.glob("*.json"))
    if (vec := json.loads(path.read_text("utf-8")))["expected"]["valid"]
    and vec["public_jwk"]["alg"] != "SM2"
]
PREFIX = "EL1:"
MAX_QR_VERSION = 20  # DESIGN.md: a QR credential stays at version 20 or below, level M
CWT_KEYS = {1: "iss", 2: "sub", 4: "exp", 5: "nbf", 6: "iat", -65537: "e-licence"}


def test_the_adapter_is_still_needed() -> None:
    # When this fails, pycose or cbor2 changed. Then Sign1Message.decode works again
    # and the adapter (tests/interop/pycose_adapter.py) can go.
    cose = bytes.fromhex(vector("valid_resident_id")["cose_hex"])
    with pytest.raises(TypeError, match="cannot be decoded"):
        Sign1Message.decode(cose)


# --- Base45, zlib, COSE --------------------------------------------------------------


@pytest.mark.parametrize("vec", VALID)
def test_reference_base45_and_zlib_unwrap_the_qr(vec: dict[str, Any]) -> None:
    assert vec["qr"].startswith(PREFIX)
    compressed = reference_base45.b45decode(vec["qr"][len(PREFIX) :])
    assert compressed.hex() == vec["zlib_hex"]
    assert zlib.decompress(compressed).hex() == vec["cose_hex"]


@pytest.mark.parametrize("vec", PYCOSE_VALID)
def test_pycose_decodes_and_verifies(vec: dict[str, Any]) -> None:
    cose = zlib.decompress(reference_base45.b45decode(vec["qr"][len(PREFIX) :]))
    message = pycose_sign1(cose)
    assert message.payload.hex() == vec["cbor_hex"]
    assert message.phdr[headers.KID].hex() == vec["kid_hex"]
    expected_alg = {"EdDSA": EdDSA, "ES256": Es256}[vec["public_jwk"]["alg"]]
    assert message.phdr[headers.Algorithm] is expected_alg
    assert message.uhdr == {}
    message.key = pycose_key(vec["public_jwk"])
    assert message.verify_signature() is True


@pytest.mark.parametrize("vec", PYCOSE_VALID)
def test_pycose_rejects_a_flipped_signature_bit(vec: dict[str, Any]) -> None:
    protected, unprotected, payload, signature = cbor2.loads(bytes.fromhex(vec["cose_hex"])).value
    for index in (0, len(signature) - 1):
        forged = bytearray(signature)
        forged[index] ^= 0x01
        items = [protected, dict(unprotected), payload, bytes(forged)]
        cose = cbor2.dumps(cbor2.CBORTag(Sign1Message.cbor_tag, items))
        assert pycose_verifies(cose, vec["public_jwk"]) is False


@pytest.mark.parametrize("name", ["tampered_signature", "tampered_payload"])
def test_pycose_rejects_the_tampered_vectors(name: str) -> None:
    tampered = vector(name)
    assert tampered["expected"] == {"valid": False, "code": "signature_invalid"}
    # The tampered vectors still decode, so only the signature check can reject them.
    assert pycose_sign1(bytes.fromhex(tampered["cose_hex"])).payload.hex() == tampered["cbor_hex"]
    assert pycose_verifies(bytes.fromhex(tampered["cose_hex"]), tampered["public_jwk"]) is False
    # The same bytes before tampering verify with the same key.
    original = vector("valid_resident_id")
    assert original["public_jwk"] == tampered["public_jwk"]
    assert pycose_verifies(bytes.fromhex(original["cose_hex"]), original["public_jwk"]) is True


def test_pycose_rejects_the_wrong_key_vector_under_the_trusted_key() -> None:
    wrong = vector("wrong_key")
    cose = bytes.fromhex(wrong["cose_hex"])
    assert pycose_sign1(cose).phdr[headers.KID].hex() == wrong["kid_hex"]
    assert pycose_verifies(cose, wrong["public_jwk"]) is False


# --- CWT claims with cbor2 alone ---------------------------------------------------------


@pytest.mark.parametrize("vec", VALID)
def test_cbor2_reads_the_cwt_claims(vec: dict[str, Any]) -> None:
    claims = cbor2.loads(bytes.fromhex(vec["cbor_hex"]))
    assert isinstance(claims, dict)
    # The registered claims and the e-licence claim, and nothing else.
    assert set(claims) == {int(key) for key in vec["claims"]}
    assert set(claims) <= set(CWT_KEYS)
    assert {1, 2, 5, 6, -65537} <= set(claims)  # exp (4) is absent when 长期有效
    assert claims[1] == vec["issuer"]["uscc"] == vec["claims"]["1"]
    assert isinstance(claims[2], str)
    assert claims[2] == vec["claims"]["2"]
    for key in (4, 5, 6):
        if key in claims:
            assert type(claims[key]) is int
            assert claims[key] == vec["claims"][str(key)]
    clock = datetime.fromisoformat(vec["validation_clock"]).timestamp()
    assert claims[5] <= clock
    assert 4 not in claims or clock < claims[4]
    licence = claims[-65537]
    assert isinstance(licence, dict)
    assert licence[1] == vec["expected"]["identifier"] == vec["claims"]["-65537"]["1"]
    assert isinstance(licence[2], dict)
    assert len(licence[2]) == len(vec["claims"]["-65537"]["2"])
    # GB/T 36904 identifier: the issuer segment names the iss.
    assert licence[1].split(".")[6] == claims[1]


# --- QR images through zxing-cpp -----------------------------------------------------------


def _scan(png: bytes) -> zxingcpp.Barcode:
    with Image.open(io.BytesIO(png)) as image:
        results = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1
    return results[0]


def _qrcode_png(text: str) -> tuple[bytes, int]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue(), code.version


def _assert_scans_back(png: bytes, text: str) -> int:
    found = _scan(png)
    assert found.valid
    assert found.text == text
    assert found.ec_level == "M"
    version = int(found.extra["Version"])
    assert 1 <= version <= MAX_QR_VERSION
    return version


@pytest.mark.parametrize("vec", VALID)
def test_qrcode_png_scans_back_with_zxing(vec: dict[str, Any]) -> None:
    png, drawn_version = _qrcode_png(vec["qr"])
    assert _assert_scans_back(png, vec["qr"]) == drawn_version


@pytest.mark.parametrize("vec", VALID)
def test_wallet_png_scans_back_with_zxing(vec: dict[str, Any]) -> None:
    qr_image = pytest.importorskip("issuers.formats.qr_image")
    version = _assert_scans_back(qr_image.render_png(vec["qr"]), vec["qr"])
    # Both encoders pick the smallest version that holds the text at level M.
    assert version == _qrcode_png(vec["qr"])[1]
