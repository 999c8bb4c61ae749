"""The presentation payload's fast path reads what the general path reads.

``presentation._written`` walks the heads of a payload written as ``present`` writes
it ({1: bstr, 2: uint, 3: uint} and maybe 4: bstr); anything else goes to
``presentation._members`` (``cbor2.loads``, the canonical check). Whenever the fast
path answers, the general path must give the same members and no unknown one, so the
fast path can never let through or change anything the general one would not.
"""

from __future__ import annotations

from typing import Any

import cbor2
from hypothesis import example, given, settings
from hypothesis import strategies as st

from issuers.errors import ElicenseError
from issuers.formats import presentation

WRITTEN = cbor2.dumps({1: b"\xd2" * 300, 2: 1_700_000_000, 3: 1_700_000_060})
WITH_NONCE = cbor2.dumps({1: b"c", 2: 0, 3: 23, 4: bytes(16)})

CBOR_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.binary(max_size=40)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.integers(0, 6), inner, max_size=5)
    ),
    max_leaves=8,
)


def general(data: bytes) -> tuple[str, Any]:
    try:
        return ("ok", presentation._members(data))
    except ElicenseError as exc:
        return (type(exc).__name__, exc.message)


def agrees(data: bytes) -> None:
    fast = presentation._written(data)
    if fast is not None:
        assert general(data) == ("ok", fast)
        assert fast[4] is False


def test_what_present_writes_takes_the_fast_path() -> None:
    assert presentation._written(WRITTEN) == (
        b"\xd2" * 300,
        1_700_000_000,
        1_700_000_060,
        None,
        False,
    )
    assert presentation._written(WITH_NONCE) == (b"c", 0, 23, bytes(16), False)


@given(
    credential=st.binary(max_size=300),
    iat=st.integers(min_value=-(2**64), max_value=2**64 - 1),
    exp=st.integers(min_value=-(2**64), max_value=2**64 - 1),
    nonce=st.none() | st.binary(max_size=20),
)
@settings(max_examples=300, deadline=None)
def test_payload_shapes_agree(credential: bytes, iat: int, exp: int, nonce: bytes | None) -> None:
    payload: dict[int, Any] = {1: credential, 2: iat, 3: exp}
    if nonce is not None:
        payload[4] = nonce
    data = cbor2.dumps(payload)
    agrees(data)
    if iat >= 0 and exp >= 0:  # the shape present writes: the fast path reads it
        assert presentation._written(data) is not None


@given(value=st.dictionaries(st.integers(0, 6), CBOR_VALUES, max_size=6))
@settings(max_examples=300, deadline=None)
def test_any_map_agrees(value: dict[int, Any]) -> None:
    agrees(cbor2.dumps(value))


@given(data=st.binary(max_size=60))
@settings(max_examples=500, deadline=None)
@example(WRITTEN[:-1])
@example(WRITTEN + b"\x00")
@example(b"\xa3\x01\x40\x02\x18\x05\x03\x06")  # iat 5 in a long head: not shortest
@example(b"\xa3\x01\x58\x01\x00\x02\x00\x03\x01")  # a 1-byte credential in a long head
@example(b"\xa3\x01\x40\x02\x1b" + bytes(8) + b"\x03\x01")
@example(b"\xa4\x01\x40\x02\x00\x03\x01")  # a nonce announced, none there
def test_any_bytes_agree(data: bytes) -> None:
    agrees(data)


@given(data=st.data())
@settings(max_examples=300, deadline=None)
def test_mutated_payloads_agree(data: st.DataObject) -> None:
    base = bytearray(data.draw(st.sampled_from([WRITTEN, WITH_NONCE])))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(base) - 1))
        base[at] = data.draw(st.integers(0, 255))
    agrees(bytes(base))
