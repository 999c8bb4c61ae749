"""QR credential verification against raw Ed25519, and mint throughput.

Run: ``.venv/bin/python benchmarks/verify_and_mint.py``

Prints medians over interleaved rounds (machines here are noisy) and ratios against
baselines measured in the same run:

* raw Ed25519 verify of the same signed bytes (the floor: the signature itself);
* our full QR verification (prefix, Base45, zlib, COSE, signature, claims, validity,
  type schema);
* a DCC-style pipeline built on the reference libraries (``base45`` package, zlib,
  pycose with a cbor2-6 adapter, cbor2 claims decode), for comparison;
* minting: sign-only records/s, and durable mints/s through the issuance service on a
  SQLite file (one transaction per certificate: serial, sign, insert).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
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
from issuers.store.database import make_engine
from issuers.store.issuance import IssuanceService
from verifiers.qr import verify_qr
from wallet.server import demo
from wallet.server.schema import ensure_schema

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


def minting(count: int) -> None:
    print("== Minting (resident_id, Ed25519) ==")
    issuers = {i.uscc: i for i in demo.sample_issuers()}
    item = next(c for c in demo.load_json("certificates.json") if c["type"] == "resident_id")
    issuer = issuers[item["issuer"]]
    certificate_type = get_type("resident_id")
    key = SigningKey.generate()
    start = time.perf_counter()
    for serial in range(count):
        record = build_record(certificate_type, issuer, item["fields"], serial=serial + 1, now=NOW)
        sign_qr(record, key)
    sign_only = count / (time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        ensure_schema(engine)
        service = IssuanceService(engine, bytes(32), lambda: NOW)
        service.register_issuer(issuer)
        start = time.perf_counter()
        for _ in range(count):
            service.mint("resident_id", issuer.uscc, item["fields"])
        durable = count / (time.perf_counter() - start)
        engine.dispose()
    print(f"build+sign only (no database)        {sign_only:8.0f} certificates/s")
    print(f"durable mint (SQLite, 1 txn each)    {durable:8.0f} certificates/s")


def main() -> None:
    parser = argparse.ArgumentParser(description="QR verify vs raw Ed25519; mint throughput")
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--mints", type=int, default=500)
    args = parser.parse_args()
    verification(args.rounds, args.batch)
    minting(args.mints)


if __name__ == "__main__":
    main()
