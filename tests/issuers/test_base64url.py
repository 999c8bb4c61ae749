"""The one strict base64url parser (issuers.crypto.base64url), RFC 7515 §2."""

from __future__ import annotations

import pytest

from issuers.crypto.base64url import b64url, parse_b64url


@pytest.mark.parametrize(
    ("text", "data"), [("", b""), ("AA", b"\x00"), ("AQ", b"\x01"), ("_-8", b"\xff\xef")]
)
def test_parses_unpadded_base64url(text: str, data: bytes) -> None:
    assert parse_b64url(text, canonical=True) == data
    assert b64url(data) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("AA==", "not unpadded base64url"),  # padding
        ("A+", "not unpadded base64url"),  # the standard alphabet
        ("A A", "not unpadded base64url"),  # white space the stdlib would skip
        ("A", "not base64url"),  # no byte string encodes to 4n + 1 characters
        ("AAAAA", "not base64url"),
    ],
)
def test_refuses_what_the_stdlib_would_skip_or_pad(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=f"^{reason}$"):
        parse_b64url(text)


def test_canonical_refuses_set_leftover_bits() -> None:
    assert parse_b64url("AB") == b"\x00"  # lenient: the status list's lst
    with pytest.raises(ValueError, match=r"^not canonical base64url$"):
        parse_b64url("AB", canonical=True)  # JWS segments: one value, one spelling
