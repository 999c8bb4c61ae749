"""The re-encoded vectors (issue 8 item 13), checked with independent code.

Each re-encoding vector keeps a valid signature: pycose verifies it under the trusted
key, and the reference ``base45`` package and zlib unwrap it. So only the encoding
rule can refuse it, and ``verify_qr`` answers ``malformed``
(``tests/verifiers/test_vectors.py``). Conversely every valid vector is already in the
one encoding: cbor2 alone re-encodes its COSE_Sign1 and its claims to the same bytes,
and its unprotected header is empty.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import base45 as reference_base45
import cbor2
import pytest
from pycose.exceptions import CoseException
from pycose.messages.sign1message import Sign1Message

from tests.interop.pycose_adapter import pycose_key
from tests.interop.vector_files import REENCODED, VECTOR_DIR, vector

VALID = sorted(
    path.stem
    for path in VECTOR_DIR.glob("*.json")
    if json.loads(path.read_text("utf-8"))["expected"]["valid"]
)


def cose_of(vec: dict[str, Any]) -> bytes:
    return zlib.decompress(reference_base45.b45decode(vec["qr"].split(":", 1)[1]))


def items_of(cose: bytes) -> list[Any]:
    """The four COSE_Sign1 items as cbor2 reads them, tag or no tag, thawed for pycose."""
    outer = cbor2.loads(cose)
    protected, unprotected, payload, signature = (
        outer.value if isinstance(outer, cbor2.CBORTag) else outer
    )
    return [protected, dict(unprotected), payload, signature]


@pytest.mark.parametrize("name", REENCODED)
def test_pycose_still_verifies_the_signature(name: str) -> None:
    vec = vector(name)
    assert vec["expected"] == {"valid": False, "code": "malformed"}
    cose = cose_of(vec)
    assert cose.hex() == vec["cose_hex"]
    items = items_of(cose)
    if name == "unprotected_alg":
        # pycose agrees this one is malformed (alg in both header buckets) and will not
        # verify it; the signature itself is intact, as without the unprotected alg.
        message = Sign1Message.from_cose_obj(list(items), True)  # it pops from the list
        message.key = pycose_key(vec["public_jwk"])
        with pytest.raises(CoseException, match="MALFORMED"):
            message.verify_signature()
        items[1] = {}
    message = Sign1Message.from_cose_obj(items, True)
    message.key = pycose_key(vec["public_jwk"])
    assert message.verify_signature() is True


@pytest.mark.parametrize("name", REENCODED)
def test_cbor2_alone_sees_another_encoding_than_the_valid_one(name: str) -> None:
    cose = cose_of(vector(name))
    protected, unprotected, payload, signature = items_of(cose)
    rewritten = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
    claims_rewritten = cbor2.dumps(cbor2.loads(payload))
    assert rewritten != cose or unprotected or claims_rewritten != payload


@pytest.mark.parametrize("name", VALID)
def test_every_valid_vector_is_in_the_one_encoding(name: str) -> None:
    cose = cose_of(vector(name))
    outer = cbor2.loads(cose)
    assert isinstance(outer, cbor2.CBORTag)
    assert outer.tag == 18
    protected, unprotected, payload, signature = outer.value
    assert dict(unprotected) == {}
    assert cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])) == cose
    assert cbor2.dumps(cbor2.loads(protected)) == protected
    assert cbor2.dumps(cbor2.loads(payload)) == payload
