"""COSE_Sign1, RFC 9052 §4.2 and §4.4 (https://www.rfc-editor.org/rfc/rfc9052).

``COSE_Sign1 = [protected : bstr .cbor header_map, unprotected : header_map,
payload : bstr / nil, signature : bstr]``, tagged 18. The signature covers
``Sig_structure = ["Signature1", body_protected, external_aad, payload]`` (§4.4).

Built directly on cbor2 and :mod:`issuers.crypto.keys`: DESIGN.md measured this at
1.16× a raw signature verify, where pycose's ES256 path costs 20×. The algorithm and
``kid`` sit in the protected header, so neither can be swapped without breaking the
signature.

One encoding only. The signature covers the protected header's and the payload's
bytes, not how the array around them is written, so a decoder that took any CBOR
spelling of the same four items would let anyone re-encode a signed credential
(bytes after it, indefinite lengths, longer heads, parameters added to the
unprotected header) and still see it verify. :func:`decode` accepts exactly what
:func:`sign` writes: tag 18, the array and every byte string in RFC 8949 §4.2.1
preferred (shortest, definite-length) form, an empty unprotected header (RFC 9052 §3
lets a parameter sit unprotected; none of ours may: ``alg`` and ``kid`` are signed;
status list tokens alone may carry ``kid`` there, see :func:`decode`),
nothing after the message, and a protected header that is itself a canonical map.
A message in that form is read by walking its four heads (:mod:`.cbor_heads`: the
whole decode 2.9 µs, against 5.6 µs for ``cbor2.loads``, the type checks and the
comparison with the bytes :func:`sign` would have written); anything else takes that
general path, which refuses it with its reason. Protected headers, one per signing
key, are decoded once (a small bounded cache). :mod:`.canonical_cbor` holds the
protected header and the signed payloads (CWT claims, the presentation) to the same
rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cbor2

from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.errors import InvalidInput, Malformed
from issuers.formats.canonical_cbor import CBOR_ERRORS, canonical_loads
from issuers.formats.cbor_heads import bstr_at, bstr_head

# cbor2 6 decodes containers inside a tag as tuple/frozendict; exact types are checked
# (not ABCs): faster, and a subclass has no business here.
_ARRAYS = (list, tuple)
_MAPS = (dict, cbor2.frozendict)

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4
HEADER_TYP = 16  # RFC 9596


@dataclass(frozen=True, slots=True)
class Sign1:
    """A decoded, not yet verified COSE_Sign1 whose headers name an algorithm and a kid."""

    protected_raw: bytes
    protected: dict[int, Any]
    unprotected: dict[int, Any]
    payload: bytes
    signature: bytes
    alg: Algorithm
    kid: bytes

    def to_be_signed(self, external_aad: bytes = b"") -> bytes:
        return _sig_structure(self.protected_raw, self.payload, external_aad)

    def verify(self, key: VerifyingKey, external_aad: bytes = b"") -> None:
        """Raise SignatureInvalid unless ``key`` signed this message."""
        if key.alg is not self.alg:
            raise Malformed(f"header says {self.alg.value} but the key is {key.alg.value}")
        key.verify(self.signature, self.to_be_signed(external_aad))


_SIG_STRUCTURE_HEAD = b"\x84" + cbor2.dumps("Signature1")  # array(4), "Signature1"


def _sig_structure(protected_raw: bytes, payload: bytes, external_aad: bytes) -> bytes:
    """``["Signature1", protected, external_aad, payload]`` in deterministic CBOR
    (RFC 8949 §4.2.1), written directly: its shape is fixed and it is on every verify.
    Equal to ``cbor2.dumps([...])``; a property test holds it to that."""
    return b"".join(
        (
            _SIG_STRUCTURE_HEAD,
            bstr_head(len(protected_raw)),
            protected_raw,
            bstr_head(len(external_aad)),
            external_aad,
            bstr_head(len(payload)),
            payload,
        )
    )


def sign(
    payload: bytes,
    key: SigningKey,
    *,
    kid: bytes,
    external_aad: bytes = b"",
    extra_protected: dict[int, Any] | None = None,
) -> bytes:
    """Return the tagged COSE_Sign1 encoding of ``payload`` signed by ``key``.

    ``extra_protected`` adds parameters after ``alg`` and ``kid`` in the protected
    header, e.g. ``{16: "application/statuslist+cwt"}`` (RFC 9596 ``typ``). It may not
    name ``alg`` or ``kid``: those always come from ``key`` and ``kid``."""
    protected: dict[int, Any] = {HEADER_ALG: key.alg.cose_id, HEADER_KID: kid}
    if extra_protected:
        if HEADER_ALG in extra_protected or HEADER_KID in extra_protected:
            raise InvalidInput("extra_protected may not set alg (1) or kid (4)")
        protected.update(extra_protected)
    protected_raw = cbor2.dumps(protected)
    signature = key.sign(_sig_structure(protected_raw, payload, external_aad))
    return _encoding(protected_raw, payload, signature)


_MESSAGE_HEAD = b"\xd2\x84"  # tag 18, array(4)
_EMPTY_MAP = b"\xa0"


def _encoding(
    protected_raw: bytes, payload: bytes, signature: bytes, unprotected_raw: bytes = _EMPTY_MAP
) -> bytes:
    """The one encoding of a tagged COSE_Sign1: ``cbor2.dumps(CBORTag(18,
    [protected_raw, unprotected, payload, signature]))``, written directly (a property
    test holds it to that)."""
    return b"".join(
        (
            _MESSAGE_HEAD,
            bstr_head(len(protected_raw)),
            protected_raw,
            unprotected_raw,
            bstr_head(len(payload)),
            payload,
            bstr_head(len(signature)),
            signature,
        )
    )


def decode(data: bytes, *, unprotected_kid: bool = False) -> Sign1:
    """Parse a tagged COSE_Sign1 in its one accepted encoding, without verifying it.

    Raises :class:`Malformed` for anything :func:`sign` would not have written (see
    the module docstring), before any key is looked up. ``unprotected_kid`` lets
    ``kid`` alone sit in the unprotected header, as the Token Status List draft's own
    example CWT has it; a label in both headers is refused even then (RFC 9052 §3:
    "The same Header Parameter MUST NOT occur in both the protected and unprotected
    headers")."""
    parts = _split_canonical(data)
    if parts is not None:  # the common case, see _split_canonical
        protected_raw, payload, signature = parts
        protected, alg, kid = _protected_header(protected_raw)
        return Sign1(protected_raw, dict(protected), {}, payload, signature, alg, kid)
    return _decode_general(data, unprotected_kid)


def _decode_general(data: bytes, unprotected_kid: bool) -> Sign1:
    """:func:`decode` for anything :func:`_split_canonical` leaves: the refusals, each
    with its own message, and a ``kid`` in the unprotected header."""
    try:
        obj = cbor2.loads(data)
    except CBOR_ERRORS:
        raise Malformed("COSE_Sign1 is not well-formed CBOR") from None
    if not isinstance(obj, cbor2.CBORTag) or obj.tag != COSE_SIGN1_TAG:
        found = f"tag {obj.tag}" if isinstance(obj, cbor2.CBORTag) else "no tag"
        raise Malformed(f"expected COSE_Sign1 tag 18, found {found}")
    obj = obj.value
    if type(obj) not in _ARRAYS or len(obj) != 4:
        raise Malformed("COSE_Sign1 must be an array of four items")
    protected_raw, unprotected, payload, signature = obj
    if type(protected_raw) is not bytes or type(unprotected) not in _MAPS:
        raise Malformed("COSE_Sign1 headers have the wrong types")
    if type(payload) is not bytes or type(signature) is not bytes:
        raise Malformed("COSE_Sign1 payload and signature must be byte strings")
    unprotected_raw = _EMPTY_MAP
    if unprotected:
        if not unprotected_kid or set(unprotected) != {HEADER_KID}:
            raise Malformed(
                f"COSE_Sign1 unprotected header must be empty; found labels"
                f" {sorted(unprotected, key=repr)} (alg and kid are accepted in the signed,"
                " protected header only)"
            )
        try:
            unprotected_raw = cbor2.dumps(dict(unprotected))
        except CBOR_ERRORS:
            raise Malformed("COSE_Sign1 unprotected kid is not a CBOR value") from None
    if data != _encoding(protected_raw, payload, signature, unprotected_raw):
        raise Malformed(
            "COSE_Sign1 is not in its canonical encoding (definite lengths, shortest"
            " heads, nothing after the message)"
        )
    protected: Any = {}
    if protected_raw:
        protected = canonical_loads(protected_raw, "COSE_Sign1 protected header")
    if type(protected) not in _MAPS:
        raise Malformed("COSE_Sign1 protected header must be a map")
    if HEADER_KID in protected and HEADER_KID in unprotected:
        raise Malformed("COSE_Sign1 kid is in both the protected and unprotected headers")
    kid = protected.get(HEADER_KID, unprotected.get(HEADER_KID))
    if type(kid) is not bytes:
        raise Malformed("COSE_Sign1 header carries no kid")
    try:
        alg = Algorithm.from_cose_id(protected.get(HEADER_ALG))
    except ValueError as exc:
        raise Malformed(str(exc)) from None
    return Sign1(protected_raw, dict(protected), dict(unprotected), payload, signature, alg, kid)


def _split_canonical(data: bytes) -> tuple[bytes, bytes, bytes] | None:
    """``(protected_raw, payload, signature)`` when ``data`` is tag 18, array(4), three
    byte strings with shortest heads around an empty map and nothing after: exactly
    what :func:`sign` writes, and what the general path accepts with an empty
    unprotected header (a property test holds the two to the same answers). None for
    anything else, which the general path then refuses or reads."""
    if data[:2] != _MESSAGE_HEAD:
        return None
    protected = bstr_at(data, 2)
    if protected is None or data[protected[1] : protected[1] + 1] != _EMPTY_MAP:
        return None
    payload = bstr_at(data, protected[1] + 1)
    if payload is None:
        return None
    signature = bstr_at(data, payload[1])
    if signature is None or signature[1] != len(data):
        return None
    return protected[0], payload[0], signature[0]


# Protected headers of the keys in use, decoded once: there are as many as signing keys
# (kid and alg are all they hold), so a few hundred entries hold them all. Bounded in
# count and size, as its keys come from unverified input.
_PROTECTED_CACHE: dict[bytes, tuple[dict[int, Any], Algorithm, bytes]] = {}
_PROTECTED_CACHE_ENTRIES = 512
_PROTECTED_CACHE_BYTES = 128
_SCALARS = (int, str, bytes, bool)


def _protected_header(protected_raw: bytes) -> tuple[dict[int, Any], Algorithm, bytes]:
    """The protected header map, its algorithm and its kid (none in the unprotected
    header), refused as :func:`_decode_general` refuses them."""
    known = _PROTECTED_CACHE.get(protected_raw)
    if known is not None:
        return known
    protected: Any = {}
    if protected_raw:
        protected = canonical_loads(protected_raw, "COSE_Sign1 protected header")
    if type(protected) not in _MAPS:
        raise Malformed("COSE_Sign1 protected header must be a map")
    kid = protected.get(HEADER_KID)
    if type(kid) is not bytes:
        raise Malformed("COSE_Sign1 header carries no kid")
    try:
        alg = Algorithm.from_cose_id(protected.get(HEADER_ALG))
    except ValueError as exc:
        raise Malformed(str(exc)) from None
    decoded = (dict(protected), alg, kid)
    if len(protected_raw) <= _PROTECTED_CACHE_BYTES and all(
        type(value) in _SCALARS for value in protected.values()
    ):  # nothing a caller could change in place
        if len(_PROTECTED_CACHE) >= _PROTECTED_CACHE_ENTRIES:
            _PROTECTED_CACHE.clear()
        _PROTECTED_CACHE[protected_raw] = decoded
    return decoded
