"""Base45, RFC 9285 (https://www.rfc-editor.org/rfc/rfc9285).

§4: "For encoding, two bytes [a, b] MUST be translated to three characters
[c, d, e] ... n = (a * 256) + b ... n = c + (d * 45) + (e * 45 * 45)"; a final single
byte becomes two characters. §6: a decoder MUST reject characters outside the
45-character alphabet, a triple whose value exceeds 65535, and a lone final
character.

Decoding is on the verification hot path, so no loop runs per character or triple: the
triples' three digits are spread into 32-bit lanes of three big integers, and one
big-integer sum ``c + 45·d + 2025·e`` computes every triple at once (a lane holds at most
91,124, so no carry crosses lanes). Measured on a 470-character credential: 5.6 µs,
against 6.2 µs for the NumPy version it replaced (which cost 8-14 µs more when run right
after a signature check, its many calls all cold) and 28 µs for the pure-Python
``base45`` package; an Ed25519 verify is about 100 µs on the same machine.
"""

from __future__ import annotations

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

    Lane i of ``lanes`` is the 4-byte big-endian number ``digits[3i + k]``; summing the
    three weighted big integers adds lane by lane, so lane i of the sum is the triple's
    value n (§4), and its two low bytes are the decoded pair."""
    lanes = bytearray(4 * count)
    total = 0
    for offset, weight in _DIGIT_WEIGHTS:
        lanes[3::4] = digits[offset : 3 * count : 3]
        total += weight * int.from_bytes(lanes, "big")
    values = total.to_bytes(4 * count, "big")
    if values[1::4].count(0) != count:  # n >= 65536 sets the lane's second byte
        raise Base45Invalid("a Base45 triple encodes a value above 65535")
    pairs = bytearray(2 * count)
    pairs[0::2] = values[2::4]
    pairs[1::2] = values[3::4]
    return bytes(pairs)


_DIGIT_WEIGHTS = ((0, 1), (1, 45), (2, 45 * 45))  # (offset in the triple, weight)
