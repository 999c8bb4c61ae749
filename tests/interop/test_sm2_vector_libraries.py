"""The SM2/SM3 vectors of samples/vectors/sm2/ through gmalg and gmssl, code we did not
write (issue 13 item 3); our own code meets them in tests/issuers/test_sm2_vectors.py.

The standard's examples are checked here end to end, on the Annex A test curve given
to each library as its own curve object (gmalg's ECDLP, gmssl's ``ecc_table``); the
recommended-curve file is verified by both and its positive cases re-signed to the same
bytes. Where a library does not check something, the test says so.
"""

from __future__ import annotations

from typing import Any

import gmalg
import pytest
from gmalg.ellipticcurve import ECDLP
from gmalg.sm2 import SM2Core
from gmssl import sm2 as gmssl_sm2

from issuers.crypto import sm2
from issuers.errors import InvalidInput
from tests.interop.test_sm2_cross import (
    gmalg_verify,
    gmssl_crypt,
    gmssl_e,
    gmssl_hash,
    gmssl_verify,
    load,
)
from tests.issuers.test_sm2_vectors import generator

# --- SM3 ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", load("sm3.json")["tests"], ids=lambda c: c["id"])
def test_sm3_vectors_gmssl_gmalg(case: dict[str, Any]) -> None:
    message = bytes.fromhex(case["message_hex"])
    assert gmssl_hash(message).hex() == case["digest_hex"]
    hasher = gmalg.SM3()
    hasher.update(message)
    assert hasher.value().hex() == case["digest_hex"]


# --- GB/T 32918.2 Annex A on the test curve ----------------------------------------


ANNEX = load("gbt32918_2_annex_a.json")
(EXAMPLE,) = ANNEX["tests"]


def _annex_ints() -> dict[str, int]:
    ints = {k: int(v, 16) for k, v in ANNEX["curve"].items() if k != "name"}
    ints |= {k[:-4]: int(v, 16) for k, v in EXAMPLE.items() if k.endswith("_hex")}
    return ints


def test_annex_a_with_gmalg_on_the_test_curve() -> None:
    v = _annex_ints()
    curve = ECDLP(v["p"], v["a"], v["b"], (v["gx"], v["gy"]), v["n"])
    core = SM2Core(curve, gmalg.SM3(), lambda _bits: v["k"])
    public = core.generate_pk(v["d"])
    assert public == (v["public_x"], v["public_y"])
    user_id = bytes.fromhex(EXAMPLE["user_id_hex"])
    message = bytes.fromhex(EXAMPLE["message_hex"])
    assert core.entity_info(user_id, public).hex() == EXAMPLE["za_hex"]
    assert curve.kG(v["k"])[0] == v["x1"]
    assert core.sign(message, v["d"], user_id, public) == (v["r"], v["s"])
    assert core.verify(message, v["r"], v["s"], user_id, public)
    assert not core.verify(message + b".", v["r"], v["s"], user_id, public)
    assert not core.verify(message, v["r"], v["s"], b"ALICE123@YAHOO.CO", public)


def test_annex_a_with_gmssl_on_the_test_curve() -> None:
    curve = ANNEX["curve"]
    table = {k: curve[k] for k in ("n", "p", "a", "b")} | {"g": curve["gx"] + curve["gy"]}
    public_hex = EXAMPLE["public_x_hex"] + EXAMPLE["public_y_hex"]
    d = int(EXAMPLE["d_hex"], 16)
    crypt = gmssl_crypt(table, public_hex, d)
    assert crypt._kg(d, table["g"]) == public_hex
    user_id = bytes.fromhex(EXAMPLE["user_id_hex"])
    e = gmssl_e(table, public_hex, user_id, bytes.fromhex(EXAMPLE["message_hex"]))
    assert e.hex() == EXAMPLE["e_hex"]
    signature = EXAMPLE["r_hex"] + EXAMPLE["s_hex"]
    assert crypt.sign(e, EXAMPLE["k_hex"]) == signature
    assert crypt.verify(signature, e)
    assert not crypt.verify(signature, gmssl_hash(b"other"))


# --- The recommended-curve vectors, through gmssl and gmalg ------------------------


def _args(case: dict[str, Any]) -> tuple[bytes, bytes, bytes]:
    """(signature, message, user ID) of one case."""
    return (
        bytes.fromhex(case["signature_hex"]),
        bytes.fromhex(case["message_hex"]),
        bytes.fromhex(case["user_id_hex"]),
    )


SIGNATURE_CASES = [
    pytest.param(c, id=c["id"])
    for c in load("recommended_curve.json")["tests"]
    if c["expected"].get("reason") != "public_key_invalid" and len(c["signature_hex"]) == 128
]


@pytest.mark.parametrize("case", SIGNATURE_CASES)
def test_recommended_vectors_gmalg(case: dict[str, Any]) -> None:
    """gmalg checks r and s in [1, n − 1] and t ≠ 0 itself: it agrees on every case."""
    point = sm2.Sm2PublicKey.from_bytes(bytes.fromhex(case["public_hex"]))
    args = _args(case)
    assert gmalg_verify(point, *args) is case["expected"]["valid"]


# gmssl checks only t = (r + s) mod n ≠ 0 and reads r and s as given: s = n makes its
# scalar multiplication reach the point at infinity, which it cannot represent (it
# raises TypeError); the other range cases it refuses only because the equation does not
# hold (test_sm2_cross.py::test_gmssl_does_not_check_ranges_ours_does shows one it takes).
GMSSL_RAISES = {"s_equals_n"}


@pytest.mark.parametrize("case", SIGNATURE_CASES)
def test_recommended_vectors_gmssl(case: dict[str, Any]) -> None:
    point = sm2.Sm2PublicKey.from_bytes(bytes.fromhex(case["public_hex"]))
    args = _args(case)
    if case["id"] in GMSSL_RAISES:
        with pytest.raises(TypeError):
            gmssl_verify(point, *args)
        return
    assert gmssl_verify(point, *args) is case["expected"]["valid"]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c["id"])
        for c in load("recommended_curve.json")["tests"]
        if c["expected"].get("reason") == "public_key_invalid"
    ],
)
def test_recommended_bad_public_keys_gmalg(case: dict[str, Any]) -> None:
    """gmalg's own key check (on the curve, n·P at infinity) refuses them too; gmssl has
    none (its verify takes any point)."""
    raw = bytes.fromhex(case["public_hex"])
    assert not gmalg.SM2().verify_pk(raw)
    with pytest.raises(InvalidInput, match=r"out of range|not a point"):
        sm2.Sm2PublicKey.from_bytes(raw)


def test_recommended_vectors_resigned_by_gmssl_and_gmalg() -> None:
    """The positive cases' exact r ‖ s again, from gmssl and gmalg given the same TEST d
    and k (derived as the file's README says)."""
    make = generator()
    d = make.vector_scalar("1")
    table = gmssl_sm2.default_ecc_table
    for case in load("recommended_curve.json")["tests"]:
        if "e_hex" not in case:
            continue
        k = make.vector_nonce(case["id"])
        crypt = gmssl_crypt(table, case["public_hex"][2:], d)
        assert crypt.sign(bytes.fromhex(case["e_hex"]), f"{k:064x}") == case["signature_hex"]
        uid, message = bytes.fromhex(case["user_id_hex"]), bytes.fromhex(case["message_hex"])
        r, s = gmalg.SM2(d.to_bytes(32), uid, rnd_fn=lambda _bits, k=k: k).sign(message)
        assert (r.rjust(32, b"\0") + s.rjust(32, b"\0")).hex() == case["signature_hex"]
