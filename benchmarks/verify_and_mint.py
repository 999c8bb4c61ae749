"""QR credential verification against raw Ed25519 (mint throughput: benchmarks/mint_speed.py).

Run: ``.venv/bin/python benchmarks/verify_and_mint.py``

Prints medians over interleaved rounds (machines here are noisy) and ratios against
baselines measured in the same run:

* raw Ed25519 verify of the same signed bytes (the floor: the signature itself);
* our full QR verification (prefix, Base45, zlib, COSE, signature, claims, validity,
  type schema);
* a DCC-style pipeline built on the reference libraries (``base45`` package, zlib,
  pycose with a cbor2-6 adapter, cbor2 claims decode), for comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from issuers.catalogue import get_type
from issuers.crypto.keys import SigningKey, b64url_decode
from issuers.formats import cose_sign1, qr_envelope
from issuers.minting import build_record, sign_qr
from issuers.registry import StaticKeyResolver, TrustedKey
from verifiers.qr import verify_qr
from wallet.server import demo

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def per_call_us(fn: Callable[[], object], batch: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(batch):
        fn()
    return (time.perf_counter_ns() - start) / batch / 1000


def interleaved_medians(
    subjects: dict[str, Callable[[], object]], rounds: int, batch: int
) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in subjects}
    for fn in subjects.values():
        per_call_us(fn, batch)  # warm-up
    for _ in range(rounds):
        for name, fn in subjects.items():
            samples[name].append(per_call_us(fn, batch))
    return {name: statistics.median(values) for name, values in samples.items()}


def sample_credential(type_slug: str) -> tuple[str, StaticKeyResolver, SigningKey]:
    key = SigningKey.from_seed(hashlib.sha256(b"elicense benchmark key (TEST ONLY)").digest())
    issuers = {i.uscc: i for i in demo.sample_issuers()}
    item = next(c for c in demo.load_json("certificates.json") if c["type"] == type_slug)
    record = build_record(
        get_type(type_slug), issuers[item["issuer"]], item["fields"], serial=1, now=NOW
    )
    resolver = StaticKeyResolver([TrustedKey(key.public, issuers[item["issuer"]])])
    return sign_qr(record, key), resolver, key


def pycose_pipeline(qr: str, key: SigningKey) -> Callable[[], object] | None:
    """The same checks a DCC-style verifier makes, on the reference libraries."""
    try:
        import base45
        import cbor2
        from pycose.keys import OKPKey
        from pycose.messages import Sign1Message
    except ImportError:
        return None
    cose_key = OKPKey(crv="Ed25519", x=b64url_decode(key.public.to_jwk()["x"]))

    def run() -> object:
        cose = zlib.decompress(base45.b45decode(qr[4:]))
        tag = cbor2.loads(cose)
        items = [dict(v) if hasattr(v, "keys") else v for v in tag.value]
        message = Sign1Message.from_cose_obj(items, allow_unknown_attributes=True)
        message.key = cose_key
        if not message.verify_signature():
            raise AssertionError("pycose rejected a good signature")
        return cbor2.loads(message.payload)

    run()
    return run


def verification(rounds: int, batch: int) -> None:
    print("== QR credential verification (resident_id, Ed25519) ==")
    qr, resolver, key = sample_credential("resident_id")
    message = cose_sign1.decode(qr_envelope.unwrap(qr))
    to_be_signed, signature, public = message.to_be_signed(), message.signature, key.public
    subjects: dict[str, Callable[[], object]] = {
        "raw Ed25519 verify": lambda: public.key.verify(signature, to_be_signed),
        "elicense verify_qr": lambda: verify_qr(qr, keys=resolver, now=NOW),
        "  of which envelope (Base45+zlib)": lambda: qr_envelope.unwrap(qr),
    }
    reference = pycose_pipeline(qr, key)
    if reference is not None:
        subjects["DCC-style pipeline (pycose)"] = reference
    medians = interleaved_medians(subjects, rounds, batch)
    floor = medians["raw Ed25519 verify"]
    print(f"QR text: {len(qr)} characters")
    for name, value in medians.items():
        print(f"{name:36s} median {value:8.1f} µs   ratio {value / floor:5.2f}x")
    ratio = medians["elicense verify_qr"] / floor
    print(f"RATIO verify_qr / raw Ed25519 = {ratio:.2f} (target <= 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description="QR verify vs raw Ed25519")
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    verification(args.rounds, args.batch)


if __name__ == "__main__":
    main()
