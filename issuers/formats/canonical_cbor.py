"""One CBOR encoding per value: RFC 8949 §4.2.1 "preferred serialization", as cbor2 writes it.

RFC 8949 §4.2.1 (core deterministic encoding): "Preferred serialization MUST be used.
In particular, this means that arguments [...] for integers, lengths in major types 2
through 5, and tags MUST be as short as possible [...]. Indefinite-length items MUST
NOT appear." RFC 8949 §5.6: a map with duplicate keys is not valid. We keep map keys
in the order the signer wrote them (our signers write cbor2's insertion order), so the
rule checked is: the bytes are exactly what cbor2 writes for the value they decode to.

Re-encoding and comparing is the cheap exact test: cbor2 does both in C (about 2 µs
for a credential's claims), where walking the heads in Python would cost more than the
signature. It also catches what a head walk would need extra code for: a duplicate key
decodes to a smaller map and re-encodes shorter; bytes after the item are dropped by
``cbor2.loads`` and missing from the re-encoding; tags cbor2 turns into other values
(bignums, shared and string references, epoch dates) re-encode differently.
"""

from __future__ import annotations

from typing import Any

import cbor2

from issuers.errors import Malformed

__all__ = ["CBOR_ERRORS", "canonical_loads", "require_canonical"]

# What cbor2 raises on input it cannot decode, or on a decoded value it cannot write.
CBOR_ERRORS = (cbor2.CBORError, ValueError, TypeError, RecursionError, OverflowError)


def canonical_loads(data: bytes, what: str) -> Any:
    """Decode ``data``, refusing (:class:`Malformed` naming ``what``) CBOR that is not
    well-formed or not in its one encoding."""
    try:
        value = cbor2.loads(data)
    except CBOR_ERRORS:
        raise Malformed(f"{what} is not well-formed CBOR") from None
    require_canonical(value, data, what)
    return value


def require_canonical(value: Any, data: bytes, what: str) -> None:
    """Raise :class:`Malformed` unless ``data`` is exactly how cbor2 writes ``value``
    (``value`` being what ``data`` decoded to)."""
    try:
        again = cbor2.dumps(value)
    except CBOR_ERRORS:
        again = b""
    if again != data:
        raise Malformed(
            f"{what} is not in its canonical CBOR encoding (shortest heads, definite"
            " lengths, no duplicate map keys, nothing after the item)"
        )
