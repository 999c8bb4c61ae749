"""The bundle item codes a client may be registered for: every ``items[].code`` of
the bundle files in samples/bundles/ (the newborn bundle's 出生登记, 医保参保, 社保卡申领).

Only the codes matter here; what each item allows (types and claims) is the consent
feature's to read and enforce when a request is made.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["BUNDLES_DIR", "bundle_item_codes"]

BUNDLES_DIR = Path(__file__).resolve().parents[2] / "samples" / "bundles"


def bundle_item_codes(bundles_dir: Path = BUNDLES_DIR) -> frozenset[str]:
    """Every item code of every ``*.json`` bundle in ``bundles_dir``."""
    codes: set[str] = set()
    for path in sorted(bundles_dir.glob("*.json")):
        bundle = json.loads(path.read_text("utf-8"))
        codes.update(str(item["code"]) for item in bundle.get("items", []))
    return frozenset(codes)
