"""Demo data: register the sample issuers and mint the sample certificates once."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

from issuers.registry import IssuerInfo
from issuers.store import repository as repo
from issuers.store.issuance import IssuanceService

log = logging.getLogger("elicense.demo")

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"


def load_json(name: str, samples_dir: Path = SAMPLES_DIR) -> Any:
    return json.loads((samples_dir / name).read_text("utf-8"))


def sample_issuers(samples_dir: Path = SAMPLES_DIR) -> list[IssuerInfo]:
    return [
        IssuerInfo(
            uscc=item["uscc"],
            name_zh=item["name_zh"],
            name_en=item["name_en"],
            region_code=item["region_code"],
            allowed_types=frozenset(item["allowed_types"]),
        )
        for item in load_json("issuers.json", samples_dir)
    ]


def seed(service: IssuanceService, samples_dir: Path = SAMPLES_DIR) -> int:
    """Register issuers (idempotent) and mint sample certificates if none exist yet.

    Returns how many certificates were minted.
    """
    for info in sample_issuers(samples_dir):
        service.register_issuer(info)
    with service.engine.connect() as conn:
        if repo.count_certificates(conn) > 0:
            return 0
    minted = 0
    for item in load_json("certificates.json", samples_dir):
        certificate = service.mint(
            item["type"],
            item["issuer"],
            item["fields"],
            valid_from=date.fromisoformat(item["valid_from"]) if "valid_from" in item else None,
        )
        log.info("demo: minted %s %s", item["type"], certificate.identifier)
        minted += 1
    return minted
