"""Demo data: register the sample issuers, mint the sample certificates once, and give
each sample citizen an account.

Every demo citizen's password is :data:`DEMO_PASSWORD`: a published demo credential
(samples/README.md), for demo mode only.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

from issuers.registry import IssuerInfo
from issuers.store import repository as repo
from issuers.store.issuance import IssuanceService
from wallet.accounts import AccountService

log = logging.getLogger("elicense.demo")

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - published demo credential, demo mode only


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


def seed(
    service: IssuanceService,
    accounts: AccountService | None = None,
    samples_dir: Path = SAMPLES_DIR,
) -> int:
    """Register issuers (idempotent), give sample citizens accounts (idempotent) and mint
    sample certificates if none exist yet.

    Returns how many certificates were minted.
    """
    for info in sample_issuers(samples_dir):
        service.register_issuer(info)
    if accounts is not None:
        seed_citizens(accounts, samples_dir)
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


def seed_citizens(accounts: AccountService, samples_dir: Path = SAMPLES_DIR) -> int:
    """Give every sample person an account with :data:`DEMO_PASSWORD`; return how many
    accounts were created (existing ones are left alone)."""
    created = 0
    for person in load_json("citizens.json", samples_dir)["people"]:
        if accounts.exists(person["id_number"]):
            continue
        accounts.register(person["id_number"], person["name"], DEMO_PASSWORD)
        log.info("demo: account for %s", person["name"])
        created += 1
    return created
