"""Base45, RFC 9285 (https://www.rfc-editor.org/rfc/rfc9285).

§4: "For encoding, two bytes [a, b] MUST be translated to three characters
[c, d, e] ... n = (a * 256) + b ... n = c + (d * 45) + (e * 45 * 45)"; a final single
byte becomes two characters. §6: a decoder MUST reject characters outside the
45-character alphabet, a triple whose value exceeds 65535, and a lone final
character.

Decoding is on the verification hot path, so no loop runs per character or triple: the
digits, read as one big integer, hold every triple in a 24-bit lane, and a few
big-integer operations compute all the triples at once (:func:`_triples`). Measured on
a 542-character credential (CPU time, 2 shared cores under load): 4.1 µs alone and
6.8 µs in place right after a signature check, against 6.3 and 12.6 µs for the NumPy
version it replaced (many small calls, all cold in place) and 28 µs for the
pure-Python ``base45`` package; the Ed25519 verify beside it is 109 µs.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from issuers.errors import Base45Invalid

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

_INVALID = 255
# bytes.translate maps each alphabet character to its value 0-44 and everything else
# to 255, in C; one max() then catches any foreign character.
_TO_VALUES = bytes(ALPHABET.index(chr(b)) if chr(b) in ALPHABET else _INVALID for b in range(256))
_WEIGHTS = np.array([1, 45, 45 * 45], dtype=np.uint32)
_FROM_VALUES = bytes(ord(ALPHABET[v]) if v < 45 else 0 for v in range(256))  # value -> char


def encode(data: bytes) -> str:
    """Encode bytes as Base45 text (vectorised: 8 µs for 330 bytes, against 34 µs for
    the per-pair Python loop it replaced; it was 40 % of a mint's build and sign)."""
    full = len(data) - len(data) % 2
    text = b""
    if full:
        pairs = np.frombuffer(data, dtype=">u2", count=full // 2).astype(np.uint32)
        digits = (pairs[:, None] // _WEIGHTS) % 45  # §4: c, d, e of each n
        text = digits.astype(np.uint8).tobytes().translate(_FROM_VALUES)
    if len(data) % 2:
        last = data[-1]
        text += bytes((_FROM_VALUES[last % 45], _FROM_VALUES[last // 45]))
    return text.decode("ascii")


def decode(text: str) -> bytes:
    """Decode Base45 text, raising :class:`Base45Invalid` on anything §6 rejects."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise Base45Invalid("Base45 text holds a non-ASCII character") from None
    length = len(raw)
    if length % 3 == 1:
        raise Base45Invalid("Base45 text has a dangling character (length mod 3 is 1)")
    digits = raw.translate(_TO_VALUES)
    if _INVALID in digits:  # memchr, in C
        raise Base45Invalid("Base45 text holds a character outside the RFC 9285 alphabet")
    full = length - length % 3
    out = _triples(digits, full // 3) if full else b""
    if length % 3 == 2:
        last = digits[-2] + 45 * digits[-1]
        if last > 0xFF:
            raise Base45Invalid("the final Base45 pair encodes a value above 255")
        out += bytes((last,))
    return out


def _triples(digits: bytes, count: int) -> bytes:
    """The 2-byte values of the first ``count`` triples of digit values (0-44), big-endian.

    Read little-endian, the digits are one big integer whose 24-bit lane i holds
    ``c + 256·d + 65536·e`` of triple i; masking out c, d and e lane by lane and summing
    ``c + 45·d + 2025·e`` gives every triple's value n (§4) in its lane at once: n is at
    most 91,124 < 2^24, so no carry crosses a lane, and a lane with its top byte set is
    a triple above 65535."""
    lanes = int.from_bytes(digits[: 3 * count], "little")
    low = _low_bytes(count)
    values = (lanes & low) + 45 * ((lanes >> 8) & low) + 2025 * ((lanes >> 16) & low)
    if (values >> 16) & low:
        raise Base45Invalid("a Base45 triple encodes a value above 65535")
    written = values.to_bytes(3 * count, "little")  # lane i: low byte, high byte, 0
    pairs = bytearray(2 * count)
    pairs[0::2] = written[1::3]
    pairs[1::2] = written[0::3]
    return bytes(pairs)


@lru_cache(maxsize=64)
def _low_bytes(count: int) -> int:
    """The mask of the low byte of each of ``count`` 24-bit lanes."""
    return int.from_bytes(b"\xff\x00\x00" * count, "little")
