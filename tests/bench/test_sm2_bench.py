"""The SM2 benchmark (issue 13) runs as a user runs it, in a tiny mode, and prints figures.

benchmarks/sm2_speed.py is run as a subprocess over a pool of 4 credentials for 2
rounds and 20 certificates minted a round, with its gmssl child: a verification that
fails (any of the verifiers refusing a good signature), a mint on the wrong key or
output that does not parse fails it. The floors are shown to be real verifies: each
refuses a tampered message. No timing is asserted, only that the numbers are there and
consistent with each other.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import SUITES
from benchmarks.sm2_samples import gmssl_items, make_sm2_pool, tongsuopy_items

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "sm2_speed.py"
TINY = ["--quick", "--pool", "4", "--rounds", "2", "--count", "20", "--json"]

pytestmark = pytest.mark.slow


def test_tiny_run_prints_each_figure_against_its_floor() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), *TINY],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    found = json.loads(lines[-1])["sm2_speed"]
    pairs = {(f["name"], f["floor_name"]) for f in found}
    assert len(pairs) == len(found) == 10
    names = {f["name"] for f in found}
    assert "SM2 QR verify (tongsuo)" in names
    assert "SM2 QR verify (gmssl)" in names
    assert "durable batch mint, 1000 a transaction, SM2 issuer key (SQLite)" in names
    floors = {f["floor_name"] for f in found}
    assert "raw Ed25519 verify" in floors
    assert "raw SM2 verify (issuers.crypto.sm2) (tongsuo)" in floors
    assert "tongsuopy verify (EVP_DigestVerify, SM3, default user ID)" in floors
    assert "gmssl verify_with_sm3" in floors
    for figure in found:
        assert figure["suite"] == "sm2"
        assert figure["target"] is None
        assert figure["unit"] in {"µs", "certificates/s"}
        assert figure["ours"] > 0
        assert figure["floor"] > 0
        assert figure["ratio"] == pytest.approx(figure["ours"] / figure["floor"])
    assert "SM2 QR verify (tongsuo)" in done.stdout  # the printed table


def test_the_floors_refuse_a_tampered_message() -> None:
    from tongsuopy.crypto import hashes
    from tongsuopy.crypto.asymciphers import ec
    from tongsuopy.crypto.exceptions import InvalidSignature

    pool = make_sm2_pool(2)
    for key, der, signed in tongsuopy_items(pool.signed):
        key.verify(der, signed, ec.ECDSA(hashes.SM3()))
        with pytest.raises(InvalidSignature):
            key.verify(der, signed + b"x", ec.ECDSA(hashes.SM3()))
    crypt, signature, signed = gmssl_items(pool.signed)[0]
    assert crypt.verify_with_sm3(signature, signed)
    assert not crypt.verify_with_sm3(signature, signed + b"x")
    for s in pool.signed:
        assert s.key.verify(s.signature, s.signed)
        assert not s.key.verify(s.signature, s.signed + b"x")


def test_the_runner_knows_the_suite() -> None:
    assert SUITES["sm2"] == "sm2_speed"
