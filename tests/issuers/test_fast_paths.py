"""The verification fast paths answer exactly as the general paths they skip.

COSE_Sign1 decoding:
``cose_sign1.decode`` walks the four heads of a message by hand when it can, and hands
anything else to the general path (``cbor2.loads``, the type checks, the comparison
with the one encoding). For any input, both must give the same message or the same
error with the same words, so the fast path can neither let through nor refuse
anything the general one would not. Base45 decoding is held to the reference
``base45`` package in the same way, and the free-text check's one-search common case to
its two searches.
"""

from __future__ import annotations

from typing import Any

import base45 as reference_base45
import cbor2
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from issuers.catalogue._text import _PLAINLY_PRINTABLE, _SURELY_VISIBLE, REFUSED_TEXT_CHARACTERS
from issuers.crypto.keys import SigningKey
from issuers.errors import Base45Invalid, ElicenseError
from issuers.formats import base45, cose_sign1
from issuers.formats.cbor_heads import bstr_at, bstr_head

KEY = SigningKey.from_seed(bytes(range(32)))
GOOD = cose_sign1.sign(b"\xa1\x01\x02", KEY, kid=b"kid-1")
LONG = cose_sign1.sign(bytes(300), KEY, kid=bytes(40), extra_protected={16: "x" * 30})


def outcome(decode: Any, data: bytes) -> tuple[str, Any]:
    try:
        message = decode(data)
    except ElicenseError as exc:
        return (type(exc).__name__, exc.message)
    return ("ok", message)


def general(data: bytes) -> cose_sign1.Sign1:
    return cose_sign1._decode_general(data, False)


def mutations() -> st.SearchStrategy[bytes]:
    """Signed messages with bytes flipped, inserted, dropped, cut or appended."""

    def mutate(base: bytes, at: int, byte: int, how: int) -> bytes:
        at %= len(base) + 1
        if how == 0:
            return base[:at] + bytes((byte,)) + base[at + 1 :]
        if how == 1:
            return base[:at] + bytes((byte,)) + base[at:]
        if how == 2:
            return base[:at] + base[at + 1 :]
        if how == 3:
            return base[:at]
        return base + bytes((byte,))

    return st.builds(
        mutate,
        st.sampled_from([GOOD, LONG]),
        st.integers(0, 500),
        st.integers(0, 255),
        st.integers(0, 4),
    )


def cose_like() -> st.SearchStrategy[bytes]:
    """Tag-18 arrays of byte strings and maps, written by cbor2 (often the one
    encoding) or with their heads lengthened (never the one encoding)."""
    items = st.one_of(st.binary(max_size=40), st.dictionaries(st.integers(-5, 5), st.binary()))
    arrays = st.lists(items, min_size=3, max_size=5)
    return st.builds(lambda value: cbor2.dumps(cbor2.CBORTag(18, value)), arrays)


@settings(max_examples=600, deadline=None)
@given(st.one_of(mutations(), cose_like(), st.binary(max_size=80)))
@example(GOOD)
@example(LONG)
@example(b"\xd2\x84\x58\x05hello\xa0\x40\x40")  # a 5-byte protected header, long head
@example(b"\xd2\x84\x40\xa0\x40\x40")  # empty protected header: no kid
def test_fast_and_general_paths_agree(data: bytes) -> None:
    assert outcome(cose_sign1.decode, data) == outcome(general, data)


@pytest.mark.parametrize("length", [0, 1, 23, 24, 255, 256, 65535, 65536])
def test_bstr_heads_read_back_what_they_write(length: int) -> None:
    data = bstr_head(length) + bytes(length) + b"tail"
    assert bstr_at(data, 0) == (bytes(length), len(data) - 4)
    assert bstr_at(data[:-5], 0) is None  # cut short


@pytest.mark.parametrize("data", [b"\x58\x05hello", b"\x59\x00\x05hello", b"\x5f\x45hello\xff"])
def test_bstr_heads_longer_than_needed_or_indefinite_are_not_read(data: bytes) -> None:
    assert bstr_at(data, 0) is None


def _base45(decode: Any, text: str) -> bytes | None:
    try:
        return bytes(decode(text))
    except (Base45Invalid, ValueError):
        return None


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=120).map(base45.encode),
        st.text(alphabet=base45.ALPHABET, max_size=60),
        st.text(alphabet=base45.ALPHABET[-12:], max_size=60),  # large digits: overflows
    )
)
@example(":::")  # 91,124: above 65535
@example("GGW")  # 65535, the largest allowed
def test_base45_decodes_as_the_reference_package(text: str) -> None:
    assert _base45(base45.decode, text) == _base45(reference_base45.b45decode, text)


def test_surely_visible_characters_are_never_refused() -> None:
    overlap = [
        hex(point)
        for point in range(0x110000)
        if _SURELY_VISIBLE.fullmatch(chr(point)) and REFUSED_TEXT_CHARACTERS.fullmatch(chr(point))
    ]
    assert overlap == []


_TEXT_CHARACTERS = st.one_of(
    st.characters(),  # any code point, surrogates included
    st.sampled_from("张伟·0aZ \u200b\u202e\ufeff\u3164\u115f\u0301\u2800\x00\x85\u2028\U00020000"),
)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=_TEXT_CHARACTERS, max_size=8))
@example("")
@example("上海市徐汇区示范路100弄1号101室")
@example("\u3164")
def test_the_one_search_accepts_what_the_two_searches_accept(text: str) -> None:
    two = REFUSED_TEXT_CHARACTERS.search(text) is None and _SURELY_VISIBLE.search(text) is not None
    assert (_PLAINLY_PRINTABLE.fullmatch(text) is not None) == two


def test_a_decoded_protected_header_is_the_callers_own_copy() -> None:
    first = cose_sign1.decode(GOOD)
    first.protected[99] = "changed"
    first.protected.clear()
    again = cose_sign1.decode(GOOD)
    assert again.protected == {1: KEY.alg.cose_id, 4: b"kid-1"}
    assert again.kid == b"kid-1"
