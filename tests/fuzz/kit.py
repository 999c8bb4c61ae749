"""What every fuzz property of tests/fuzz shares: the budget, the one assertion, and
strategies that reach past a decoder's first check.

The one assertion (:func:`typed`): feeding a decoder anything returns or raises one of
our typed errors (:class:`issuers.errors.ElicenseError`, the tree a caller and the
HTTP handler know); any other exception propagates and fails the property.

The budget: ``max_examples`` per property is :data:`EXAMPLES` (default 100), derandomized
so a CI run is repeatable and never flaky; ``ELICENSE_FUZZ_EXAMPLES=5000`` (and
``ELICENSE_FUZZ_RANDOM=1`` for fresh seeds) runs a deeper search locally.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from issuers.crypto.keys import SigningKey, b64url
from issuers.errors import ElicenseError
from issuers.formats import jws

EXAMPLES = int(os.environ.get("ELICENSE_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the working tree
    derandomize=os.environ.get("ELICENSE_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def typed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> ElicenseError | None:
    """Run ``call``; return the typed error it raised (None if it returned). Any other
    exception is the finding: it propagates."""
    try:
        call(*args, **kwargs)
    except ElicenseError as exc:
        error = exc
    else:
        return None
    assert error.code, f"{type(error).__name__} without a code"
    assert isinstance(error.message, str)
    return error


# --- mutations of a valid encoding --------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with one to four edits: a flipped bit, a byte set to an edge value,
    a cut, an insertion, a deleted or duplicated run. Most results still parse a layer
    or two deep, which is the point."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete", "repeat"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[at] = draw(st.sampled_from([0x00, 0x01, 0x17, 0x18, 0x7F, 0x80, 0xFF, 0x1F]))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=9))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 32))]
    return bytes(data)


@st.composite
def mutated_text(draw: st.DrawFn, original: str) -> str:
    """``original`` (ASCII) mutated as bytes, read back as Latin-1 so every byte is a
    character: flips land on every character class a decoder splits on."""
    return draw(mutated(original.encode("ascii"))).decode("latin-1")


# --- values for structured strategies ---------------------------------------------

# JSON nested past Python's recursion limit (json raises RecursionError, not ValueError):
# the input class behind four of the findings in test_findings.py.
NESTED_JSON = st.builds(
    lambda n, opener: (opener * n).encode(), st.integers(900, 6000), st.sampled_from(["[", '{"a":'])
)

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "EL1:", "1", "Z" * 3, "2026-01-01", "\u202e", "\x00"])
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
CBOR_VALUES = st.recursive(
    _SCALARS | st.binary(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.integers(-30, 30) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


# --- signed tokens of any shape --------------------------------------------------


def forge(header: dict[str, Any], payload: Any, key: SigningKey) -> str:
    """A compact JWS over any header and payload, signed by ``key`` (past jws.sign's
    own refusals); a payload that is text is sent as its bytes."""
    body = payload.encode() if isinstance(payload, str) else jws.dumps(payload)
    signing_input = f"{b64url(jws.dumps(header))}.{b64url(body)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"
