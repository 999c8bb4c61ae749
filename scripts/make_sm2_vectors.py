"""Generate ``samples/vectors/sm2/recommended_curve.json``: SM2 signatures on the curve
elicense signs with, made by an implementation we did not write (issue 13 item 3).

Every signature is made by gmalg (pure Python, its own curve arithmetic, SM3 and Z_A;
https://github.com/ww-rm/gmalg), one by gmssl, each with a fixed nonce, so the file is
the same byte for byte on every run. ``issuers.crypto.sm2`` is not imported: the file
is evidence about our code, not its output. The standard's own examples beside it are
transcribed, not generated (``samples/vectors/sm2/README.md``).

Keys and nonces are TEST ONLY, derived from public seeds as ``scripts/make_vectors.py``
derives its keys, and are not written out (anyone can re-derive them):

* d = SHA-256("elicense test vector key sm2 <label>") mod (n − 2) + 1, in [1, n − 2];
* k = SHA-256("elicense test vector nonce sm2 <case>") mod (n − 1) + 1, in [1, n − 1].

Usage::

    .venv/bin/python scripts/make_sm2_vectors.py           # (re)write the file
    .venv/bin/python scripts/make_sm2_vectors.py --check   # exit 1 if it is stale

``tests/issuers/test_sm2_vectors.py`` fails when the committed file drifts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from gmalg import SM2
from gmalg.sm2 import SM2Core, _ecdlp
from gmalg.sm3 import SM3
from gmssl import sm2 as gmssl_sm2

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "samples" / "vectors" / "sm2" / "recommended_curve.json"

# GB/T 32918.5-2017: the recommended curve, as gmalg holds it (checked below).
P: int = _ecdlp.fp.p
A: int = _ecdlp.ec.a
B: int = _ecdlp.ec.b
N: int = _ecdlp.fpn.p
GX: int = _ecdlp.G[0]
GY: int = _ecdlp.G[1]
DEFAULT_USER_ID = b"1234567812345678"
KEY_LABEL = "1"
MESSAGE = b"message digest"

Vector = dict[str, Any]


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def vector_scalar(label: str = KEY_LABEL) -> int:
    """TEST ONLY: the private scalar of the key with this label."""
    return _digest(f"elicense test vector key sm2 {label}") % (N - 2) + 1


def vector_nonce(case: str) -> int:
    """TEST ONLY: the nonce k the signature of this case was made with."""
    return _digest(f"elicense test vector nonce sm2 {case}") % (N - 1) + 1


def _hex(value: int) -> str:
    return value.to_bytes(32, "big").hex()


def _point_hex(x: int, y: int) -> str:
    return "04" + _hex(x) + _hex(y)


def _gmalg_sign(d: int, user_id: bytes, message: bytes, k: int) -> tuple[bytes, bytes, bytes]:
    """(signature r ‖ s, Z_A, e), all computed by gmalg, with the nonce k."""
    core = SM2Core(_ecdlp, SM3(), lambda _bits: k)
    public = core.generate_pk(d)
    za = core.entity_info(user_id, public)
    e = core._hash_fn(za + message)
    r, s = SM2(d.to_bytes(32, "big"), user_id, rnd_fn=lambda _bits: k).sign(message)
    signature = r.rjust(32, b"\0") + s.rjust(32, b"\0")
    return signature, za, e


def _gmssl_sign(d: int, public_hex: str, message: bytes, k: int) -> bytes:
    """gmssl's own SM3-with-SM2 (default user ID, its own Z_A), with the nonce k."""
    crypt = gmssl_sm2.CryptSM2(private_key=_hex(d), public_key="")
    crypt.public_key = public_hex[2:]  # set after: the constructor strips "0"/"4" digits
    signed = crypt.sign_with_sm3(message, _hex(k))
    if signed is None:  # pragma: no cover - r = 0 or s = 0 for this k
        raise RuntimeError("gmssl refused the fixed nonce; change the case name")
    return bytes.fromhex(signed)


def _small_x_point() -> tuple[int, int]:
    """The curve point with the smallest x (and even y): x + p still fits 32 bytes, so
    a reader that reduces x mod p would take x + p for this very point."""
    for x in range(1000):
        alpha = (x * x * x + A * x + B) % P
        y = pow(alpha, (P + 1) // 4, P)  # p ≡ 3 (mod 4)
        if y * y % P == alpha:
            y = y if y % 2 == 0 else P - y
            assert x + P < 2**256
            return x, y
    raise RuntimeError("no point with x below 1000")  # pragma: no cover


def _case(case_id: str, description: str, **fields: Any) -> Vector:
    return {"id": case_id, "description": description, **fields}


def _signed(case: tuple[str, ...], d: int, public_hex: str, signer: str = "gmalg") -> Vector:
    case_id, description, user_text, message_hex = case
    user_id, message = user_text.encode(), bytes.fromhex(message_hex)
    k = vector_nonce(case_id)
    signature, za, e = _gmalg_sign(d, user_id, message, k)
    if signer == "gmssl" and _gmssl_sign(d, public_hex, message, k) != signature:
        raise RuntimeError("gmssl and gmalg disagree on the same d, k and message")
    return _case(
        case_id,
        description,
        made_by=f"{signer}, k = nonce '{case_id}'",
        public_hex=public_hex,
        user_id=user_text,
        user_id_hex=user_id.hex(),
        message_hex=message_hex,
        za_hex=za.hex(),
        e_hex=e.hex(),
        signature_hex=signature.hex(),
        expected={"valid": True},
    )


# (id, description, user ID, message hex): signed with the key labelled 1.
POSITIVES = [
    (
        "default_user_id",
        "The default user ID 1234567812345678 (GM/T 0009-2012 §10) over 'message digest'.",
        DEFAULT_USER_ID.decode(),
        MESSAGE.hex(),
    ),
    (
        "empty_message",
        "The default user ID over the empty message (e = SM3(Z_A)).",
        DEFAULT_USER_ID.decode(),
        "",
    ),
    (
        "custom_user_id",
        "The user ID ALICE123@YAHOO.COM (the standard's example ID, ENTL 0x0090) over "
        "'message digest'.",
        "ALICE123@YAHOO.COM",
        MESSAGE.hex(),
    ),
    (
        "utf8_user_id_binary_message",
        "A UTF-8 user ID, 国家政务服务平台 (24 bytes, ENTL 0x00c0), over the 256 bytes 00 01 … ff.",
        "国家政务服务平台",
        bytes(range(256)).hex(),
    ),
]
GMSSL_CASE = (
    "gmssl_default_user_id",
    "The default user ID over 'message digest', signed by gmssl's sign_with_sm3 (its own "
    "Z_A); gmalg gives the same r and s for the same k.",
    DEFAULT_USER_ID.decode(),
    MESSAGE.hex(),
)


def _positives(d: int, public_hex: str) -> list[Vector]:
    out = [_signed(case, d, public_hex) for case in POSITIVES]
    return [*out, _signed(GMSSL_CASE, d, public_hex, signer="gmssl")]


def _negatives(base: Vector) -> list[Vector]:
    """Cases built from ``default_user_id``; each says why it must be refused."""
    signature = bytes.fromhex(base["signature_hex"])
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    x, y = (int(base["public_hex"][i : i + 64], 16) for i in (2, 66))
    small_x, small_y = _small_x_point()
    x_text = "p" if small_x == 0 else f"p + {small_x}"
    wrong_id = b"1234567812345679"
    tampered = MESSAGE[:-1] + bytes([MESSAGE[-1] ^ 0x01])
    flipped = signature[:40] + bytes([signature[40] ^ 0x80]) + signature[41:]
    bad_signatures: list[tuple[str, str, dict[str, str]]] = [
        (
            "wrong_user_id",
            "Verified with the user ID 1234567812345679 instead of the signer's.",
            {"user_id": wrong_id.decode(), "user_id_hex": wrong_id.hex()},
        ),
        (
            "tampered_message",
            "The message's last byte XOR 0x01 ('message digesu').",
            {"message_hex": tampered.hex()},
        ),
        (
            "tampered_signature",
            "Bit 7 of byte 40 (in s) of the signature flipped.",
            {"signature_hex": flipped.hex()},
        ),
        ("r_zero", "r = 0 (GB/T 32918.2 §7.1 B1).", {"signature_hex": _hex(0) + _hex(s)}),
        ("s_zero", "s = 0 (§7.1 B2).", {"signature_hex": _hex(r) + _hex(0)}),
        ("r_equals_n", "r = n (§7.1 B1).", {"signature_hex": _hex(N) + _hex(s)}),
        ("s_equals_n", "s = n (§7.1 B2).", {"signature_hex": _hex(r) + _hex(N)}),
        ("r_all_ones", "r = 2^256 − 1, above n.", {"signature_hex": _hex(2**256 - 1) + _hex(s)}),
        (
            "r_plus_s_equals_n",
            "s replaced by n − r, so t = (r + s) mod n = 0 (§7.1 B5).",
            {"signature_hex": _hex(r) + _hex(N - r)},
        ),
        (
            "signature_63_bytes",
            "The signature's first 63 bytes: r ‖ s is exactly 64.",
            {"signature_hex": signature[:63].hex()},
        ),
        (
            "signature_65_bytes",
            "The signature with a zero byte appended.",
            {"signature_hex": (signature + b"\0").hex()},
        ),
        (
            "signature_der",
            "The same r and s as a DER SEQUENCE of two INTEGERs (GM/T 0009 §7.3), the form "
            "X.509 uses: COSE and JOSE carry the 64-byte r ‖ s only.",
            {"signature_hex": _der(r, s).hex()},
        ),
    ]
    bad_keys = [
        (
            "public_off_curve",
            "The public key with y + 1 (mod p): not a point on the curve.",
            _point_hex(x, (y + 1) % P),
        ),
        (
            "public_zero",
            "The public key (0, 0), how some encodings spell the point at infinity: not on "
            "the curve.",
            _point_hex(0, 0),
        ),
        (
            "public_x_ge_p",
            f"The curve point with the smallest x ({small_x}) written with x + p in place of x "
            f"(x = {x_text}): a coordinate must lie in [0, p − 1], though a reader that "
            "reduces mod p would take it for that point.",
            _point_hex(small_x + P, small_y),
        ),
    ]
    keep = {k: base[k] for k in ("public_hex", "user_id", "user_id_hex", "message_hex")}
    keep["signature_hex"] = base["signature_hex"]
    out = []
    for case_id, text, changes in bad_signatures:
        fields = {**keep, **changes, "expected": {"valid": False, "reason": "signature_invalid"}}
        out.append(_case(case_id, text + " (from default_user_id)", **fields))
    for case_id, text, public_hex in bad_keys:
        fields = {**keep, "public_hex": public_hex}
        fields["expected"] = {"valid": False, "reason": "public_key_invalid"}
        out.append(_case(case_id, text + " (from default_user_id)", **fields))
    return out


def _der(r: int, s: int) -> bytes:
    def integer(value: int) -> bytes:
        body = value.to_bytes(value.bit_length() // 8 + 1, "big")
        return bytes([0x02, len(body)]) + body

    content = integer(r) + integer(s)
    return bytes([0x30, len(content)]) + content


def build() -> Vector:
    """The whole file. Pure: the same gmalg and gmssl, the same output."""
    table = gmssl_sm2.default_ecc_table  # a second, independent copy of the curve
    if (_hex(GX) + _hex(GY), _hex(N)) != (table["g"], table["n"].lower()):
        raise RuntimeError("gmalg's curve is not the recommended SM2 curve")
    d = vector_scalar()
    x, y = SM2Core(_ecdlp, SM3()).generate_pk(d)
    public_hex = _point_hex(x, y)
    positives = _positives(d, public_hex)
    return {
        "description": "SM2 signatures with SM3 on the recommended curve (GB/T 32918.5-2017, "
        "the curve elicense signs with), made by gmalg and gmssl with fixed nonces, and "
        "negative cases. Generated by scripts/make_sm2_vectors.py; do not edit.",
        "curve": {"name": "SM2 (sm2p256v1, OID 1.2.156.10197.1.301)"}
        | {k: _hex(v) for k, v in {"p": P, "a": A, "b": B, "gx": GX, "gy": GY, "n": N}.items()},
        "key": {
            "label": KEY_LABEL,
            "test_only": True,
            "derivation": "d = SHA-256('elicense test vector key sm2 1') mod (n - 2) + 1",
            "public_hex": public_hex,
        },
        "tests": positives + _negatives(positives[0]),
    }


def render(vectors: Vector) -> str:
    return json.dumps(vectors, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text("utf-8") != text:
            print(f"stale: {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, "utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
