"""The test vectors in ``samples/vectors/`` (STYLE.md item 7), as the interop tests and
the verifier's vector tests read them: one JSON file per case, every layer of the
credential in it, and the expected verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VECTOR_DIR = ROOT / "samples" / "vectors"

# Issue 8 item 13: re-encodings of a valid credential that keep its signature valid.
# Only the one-encoding rule refuses them, so ``verify_qr`` answers ``malformed``.
REENCODED = [
    "trailing_cbor",
    "untagged",
    "indefinite_array",
    "indefinite_payload",
    "long_length_head",
    "unprotected_alg",
    "unprotected_kid",
    "indefinite_claims",
    "duplicate_claim",
]


def vector(name: str) -> dict[str, Any]:
    """The vector ``samples/vectors/<name>.json``."""
    data: dict[str, Any] = json.loads((VECTOR_DIR / f"{name}.json").read_text("utf-8"))
    return data
