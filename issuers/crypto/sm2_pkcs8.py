"""SM2 private keys as PKCS #8 (RFC 5208) DER and PEM, the form they are sealed in.

``cryptography`` reads no SM2 key, so the one layout Tongsuo and GmSSL write is done
here: a PrivateKeyInfo whose algorithm is id-ecPublicKey (RFC 5480) with the SM2 curve
(OID 1.2.156.10197.1.301, GM/T 0006), holding an RFC 5915 ECPrivateKey with the
32-byte d and the public point:

    30 81 87  02 01 00  30 13 06 07 2a8648ce3d0201 06 08 2a811ccf5501822d
              04 6d 30 6b 02 01 01 04 20 <d>  a1 44 03 42 00 04 <x> <y>

Reading is strict: that layout byte for byte, d in range, and the point the one d
gives (a key file whose two halves disagree is refused, not half used).
"""

from __future__ import annotations

import base64
import binascii
import re

from issuers.crypto import sm2
from issuers.errors import InvalidInput

__all__ = ["dump", "from_pem", "is_sm2", "load", "load_other", "pem"]

_HEAD = bytes.fromhex("308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420")
_MIDDLE = bytes.fromhex("a14403420004")
_LENGTH = len(_HEAD) + 32 + len(_MIDDLE) + 64
_PEM = re.compile(
    rb"\A\s*-----BEGIN PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PRIVATE KEY-----\s*\Z"
)


def is_sm2(der: bytes) -> bool:
    """True when ``der`` is a PKCS #8 key on the SM2 curve (to be read by :func:`load`)."""
    return der.startswith(_HEAD)


def dump(key: sm2.Sm2PrivateKey) -> bytes:
    return _HEAD + key.d.to_bytes(32, "big") + _MIDDLE + key.public.to_bytes()


def load(der: bytes) -> sm2.Sm2PrivateKey:
    if len(der) != _LENGTH or not der.startswith(_HEAD):
        raise InvalidInput("not an SM2 PKCS #8 private key in the expected layout", field="key")
    at = len(_HEAD)
    if der[at + 32 : at + 32 + len(_MIDDLE)] != _MIDDLE:
        raise InvalidInput("not an SM2 PKCS #8 private key in the expected layout", field="key")
    key = sm2.Sm2PrivateKey(int.from_bytes(der[at : at + 32], "big"))
    if key.public.to_bytes() != der[at + 32 + len(_MIDDLE) :]:
        raise InvalidInput("the SM2 key's public point does not belong to it", field="key")
    return key


def pem(der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN PRIVATE KEY-----\n" + b"\n".join(lines) + b"\n-----END PRIVATE KEY-----\n"


def from_pem(text: bytes) -> bytes | None:
    """The DER inside an unencrypted PKCS #8 PEM when it holds an SM2 key, else None
    (another kind of key, or not such a PEM: the caller's reader decides)."""
    found = _PEM.match(text)
    if found is None:
        return None
    try:
        der = base64.b64decode(b"".join(found.group(1).split()), validate=True)
    except binascii.Error:
        return None
    return der if is_sm2(der) else None


def load_other(data: bytes, *, pem: bool) -> sm2.Sm2PrivateKey:
    """An SM2 private key in a layout :func:`load` does not take (no public point, the
    SM2 OID as the algorithm, SEC 1 PEM), read by Tongsuo when it is installed; else,
    or when it is no SM2 key at all, :class:`InvalidInput` naming what is taken."""
    refused = InvalidInput(
        "unsupported private key: Ed25519, P-256 or SM2 in PKCS #8 (an SM2 key as "
        "`openssl genpkey -algorithm SM2` writes it)",
        field="key",
    )
    try:
        from tongsuopy.crypto import serialization
        from tongsuopy.crypto.asymciphers import ec
        from tongsuopy.crypto.exceptions import UnsupportedAlgorithm
    except ImportError:
        raise refused from None
    try:
        if pem:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise refused from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "SM2":
        raise refused
    return sm2.Sm2PrivateKey(key.private_numbers().private_value)
