"""The QR credential envelope: ``EL1:`` + Base45(zlib(COSE_Sign1)).

The same layering as the EU Digital COVID Certificate (prefix, zlib, Base45, RFC 9285
§5 "QR code" usage), with our own version prefix. Everything is bounded *before* work
is done: the text length is capped, and inflation stops at a fixed output size, so a
zlib bomb costs at most ``max_inflated + 1`` bytes of memory.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from issuers.errors import (
    CompressionInvalid,
    InflateLimitExceeded,
    Malformed,
    PayloadTooLarge,
    Truncated,
    UnsupportedVersion,
)
from issuers.formats import base45

PREFIX = "EL1:"
# DESIGN.md: the QR credential stays at QR version 20 or below at error-correction
# level M. Our text is all Base45 (QR alphanumeric mode), where version 20-M holds
# exactly 970 characters (ISO/IEC 18004 Table 7).
MAX_QR_TEXT_CHARS = 970
_ANY_PREFIX = re.compile(r"EL\d+:")


@dataclass(frozen=True, slots=True)
class EnvelopeLimits:
    """Bounds on what a verifier will look at. A QR code of version 40 holds at most
    4,296 alphanumeric characters, so anything longer did not come from a QR code."""

    max_text_chars: int = 4296
    max_inflated_bytes: int = 16 * 1024


DEFAULT_LIMITS = EnvelopeLimits()


def wrap(cose: bytes, prefix: str = PREFIX) -> str:
    return prefix + base45.encode(zlib.compress(cose, 9))


def wrap_scannable(
    cose: bytes, *, what: str, field: str, prefix: str = PREFIX, advice: str = ""
) -> str:
    """:func:`wrap`, refusing (:class:`PayloadTooLarge` naming ``field``) a text that
    would not fit QR version 20 at level M; ``what`` names the code in the message."""
    text = wrap(cose, prefix)
    if len(text) > MAX_QR_TEXT_CHARS:
        raise PayloadTooLarge(
            f"{what} would be a {len(text)}-character QR code; QR version 20 at level M "
            f"holds {MAX_QR_TEXT_CHARS}{advice}",
            field=field,
        )
    return text


def unwrap(text: str, limits: EnvelopeLimits = DEFAULT_LIMITS, prefix: str = PREFIX) -> bytes:
    """Return the COSE bytes inside a QR text, or raise a typed error saying why not."""
    if len(text) > limits.max_text_chars:
        raise PayloadTooLarge(
            f"QR text is {len(text)} characters; the limit is {limits.max_text_chars}"
        )
    text = text.strip()
    if not text.startswith(prefix):
        if _ANY_PREFIX.match(text):
            raise UnsupportedVersion(f"unsupported credential version {text.split(':')[0]!r}")
        raise Malformed(f"not an elicense QR credential (expected the prefix {prefix!r})")
    compressed = base45.decode(text[len(prefix) :])
    return inflate(compressed, limits.max_inflated_bytes)


def inflate(data: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error:
        raise CompressionInvalid("the credential is not a valid zlib stream") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise InflateLimitExceeded(f"the credential inflates past {max_bytes} bytes")
    if not inflater.eof:
        raise Truncated("the zlib stream ends early: the credential was cut short")
    if inflater.unused_data:
        raise Malformed("bytes follow the end of the zlib stream")
    return out
