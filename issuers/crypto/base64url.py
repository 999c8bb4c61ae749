"""base64url without padding, the encoding of every JOSE segment and JWK member.

RFC 7515 §2: "Base64url Encoding: Base64 encoding using the URL- and filename-safe
character set defined in Section 5 of RFC 4648, with all trailing '=' characters
omitted ... and without the inclusion of any line breaks, whitespace, or other
additional characters."

:func:`b64url_decode` is the lenient stdlib decoder, for values this code wrote or
has already checked. Untrusted text goes through :func:`parse_b64url`, which refuses
what the stdlib decoder would silently skip or pad.
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["b64url", "b64url_decode", "parse_b64url"]

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def b64url(data: bytes) -> str:
    # base64.urlsafe_b64encode's own two steps, without its two Python-level calls (it
    # runs a few times on every verify: the kids).
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_b64url(text: str, *, canonical: bool = False) -> bytes:
    """Decode untrusted unpadded base64url; raise ValueError saying what is wrong.

    Refused: any character outside the RFC 4648 §5 alphabet (padding and white space
    included) and a length that is one more than a multiple of four (no byte string
    encodes to it). With ``canonical``, also text whose last character carries set
    leftover bits, so that one value has one spelling (RFC 4648 §3.5: "encoders MUST
    set the pad bits to zero").
    """
    if not _ALPHABET.fullmatch(text):
        raise ValueError("not unpadded base64url")
    if len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = b64url_decode(text)
    if canonical and b64url(data) != text:
        raise ValueError("not canonical base64url")
    return data
