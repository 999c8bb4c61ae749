"""pycose 1.1.0 under cbor2 6.x: decode a COSE_Sign1 (RFC 9052 §4.2) and check its
signature with someone else's code (STYLE.md item 8).

The keys come from a vector's public JWK through ``pycose.keys`` (RFC 8037 OKP, RFC 7518
EC); pycose verifies EdDSA with ``cryptography`` and ES256 with the pure-Python
``ecdsa`` package. Nothing from ``issuers`` or ``verifiers`` touches the bytes. Used by
the interop tests of the valid vectors and of the re-encoded ones.
"""

from __future__ import annotations

import base64
from typing import Any

import cbor2
from pycose.keys import EC2Key, OKPKey
from pycose.messages import Sign1Message


def _thaw(value: Any) -> Any:
    """cbor2 6.x decodes the inside of a tag as immutable values: arrays as tuples,
    maps as ``frozendict``. Turn them back into the lists and dicts pycose expects."""
    if isinstance(value, tuple | list):
        return [_thaw(v) for v in value]
    if isinstance(value, cbor2.frozendict | dict):
        return {k: _thaw(v) for k, v in value.items()}
    return value


def pycose_sign1(cose: bytes) -> Sign1Message:
    """Decode a tagged COSE_Sign1 into pycose 1.1.0's ``Sign1Message``, under cbor2 6.x.

    ``Sign1Message.decode`` checks ``isinstance(tag.value, list)``. cbor2 6 gives a tuple,
    so pycose raises ``TypeError("Bytes cannot be decoded as COSE message")``.
    ``CoseBase.__init__`` also needs ``type(uhdr) is dict`` and gets a ``frozendict``.
    The adapter only decodes the outer tag with cbor2 and thaws the four items. It
    then hands them to pycose's own ``Sign1Message.from_cose_obj``. That is the call
    ``decode`` makes, with the same ``allow_unknown_attributes=True``. pycose still does
    the rest: it parses the protected header from its raw bytes, rebuilds the
    Sig_structure, and checks the signature.
    """
    outer = cbor2.loads(cose)
    assert isinstance(outer, cbor2.CBORTag)
    assert outer.tag == Sign1Message.cbor_tag
    return Sign1Message.from_cose_obj(_thaw(outer.value), True)


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pycose_key(jwk: dict[str, str]) -> OKPKey | EC2Key:
    """A pycose public key from a JWK (RFC 8037 OKP or RFC 7518 EC)."""
    if jwk["kty"] == "OKP":
        assert jwk["crv"] == "Ed25519"
        return OKPKey(crv="ED25519", x=_b64url(jwk["x"]))
    assert (jwk["kty"], jwk["crv"]) == ("EC", "P-256")
    return EC2Key(crv="P_256", x=_b64url(jwk["x"]), y=_b64url(jwk["y"]))


def pycose_verifies(cose: bytes, jwk: dict[str, str]) -> bool:
    message = pycose_sign1(cose)
    message.key = pycose_key(jwk)
    return bool(message.verify_signature())
