"""CBOR byte-string and unsigned-integer heads, RFC 8949 §3.1
(https://www.rfc-editor.org/rfc/rfc8949), written and read in preferred serialization
only (§4.2.1: "arguments [...] for integers, lengths in major types 2 through 5 [...]
MUST be as short as possible").

The COSE_Sign1 message and its ``Sig_structure`` are byte strings in fixed arrays; on
every verify, :mod:`.cose_sign1` writes the one and reads the other with these instead
of a general CBOR encoder and decoder; :mod:`.presentation` reads its payload (a byte
string and two or three integers in a fixed map) the same way.
"""

from __future__ import annotations

__all__ = ["bstr_at", "bstr_head", "uint_at"]

# Heads with a 1, 2, 4 or 8-byte length, and the least length each may carry.
_LONG_HEADS = {0x58: (1, 24), 0x59: (2, 0x100), 0x5A: (4, 0x10000), 0x5B: (8, 1 << 32)}
# The same for unsigned integers (major type 0).
_LONG_UINTS = {0x18: (1, 24), 0x19: (2, 0x100), 0x1A: (4, 0x10000), 0x1B: (8, 1 << 32)}


def bstr_head(length: int) -> bytes:
    """The head of a byte string (major type 2) of ``length`` bytes."""
    if length < 24:
        return bytes((0x40 | length,))
    if length < 0x100:
        return bytes((0x58, length))
    if length < 0x10000:
        return b"\x59" + length.to_bytes(2, "big")
    if length < 0x100000000:
        return b"\x5a" + length.to_bytes(4, "big")
    return b"\x5b" + length.to_bytes(8, "big")


def bstr_at(data: bytes, at: int) -> tuple[bytes, int] | None:
    """The byte string whose head starts at ``data[at]`` and the index just after it,
    or None when no byte string in preferred serialization starts there and ends
    within ``data``."""
    if at >= len(data):
        return None
    head = data[at]
    if 0x40 <= head < 0x58:
        start, length = at + 1, head - 0x40
    else:
        size_least = _LONG_HEADS.get(head)
        if size_least is None:
            return None
        size, least = size_least
        start = at + 1 + size
        length = int.from_bytes(data[at + 1 : start], "big")
        if start > len(data) or length < least:
            return None
    end = start + length
    if end > len(data):
        return None
    return data[start:end], end


def uint_at(data: bytes, at: int) -> tuple[int, int] | None:
    """The unsigned integer whose head starts at ``data[at]`` and the index just after
    it, or None when no unsigned integer in preferred serialization starts there and
    ends within ``data``."""
    if at >= len(data):
        return None
    head = data[at]
    if head < 0x18:
        return head, at + 1
    size_least = _LONG_UINTS.get(head)
    if size_least is None:
        return None
    size, least = size_least
    end = at + 1 + size
    value = int.from_bytes(data[at + 1 : end], "big")
    if end > len(data) or value < least:
        return None
    return value, end
