"""Writing bundle definitions for tests: the samples as dictionaries to break one field
of, written into a directory the loader reads."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from wallet.bundles.definitions import DEFAULT_BUNDLES_DIR

SAMPLE_CODES = ("newborn", "retirement", "ride_hailing_driver_bundle")


def sample(code: str = "newborn") -> dict[str, Any]:
    """A fresh copy of a sample definition, to edit."""
    document: dict[str, Any] = json.loads((DEFAULT_BUNDLES_DIR / f"{code}.json").read_text("utf-8"))
    return copy.deepcopy(document)


def write(directory: Path, document: Any, name: str | None = None) -> Path:
    """``document`` as ``<name or its bundle>.json`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = name or document["bundle"]
    path = directory / f"{stem}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), "utf-8")
    return path


def index_of(items: list[dict[str, Any]], code: str) -> int:
    return next(i for i, item in enumerate(items) if item["code"] == code)
