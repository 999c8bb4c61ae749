"""Demo data: register the sample issuers, mint the sample certificates once, and give
each sample citizen an account; follow the demo to the address it is served on.

Every demo citizen's password is :data:`DEMO_PASSWORD`: a published demo credential
(samples/README.md), for demo mode only.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from issuers.crypto.keys import SigningKey, b64url
from issuers.crypto.sealing import unseal
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims, StatusReference
from issuers.minting import seal_claims
from issuers.registry import IssuerInfo
from issuers.store import repository as repo
from issuers.store.database import write_transaction
from issuers.store.issuance import IssuanceService
from issuers.store.tables import certificates, issuer_keys
from wallet.accounts.service import AccountService
from wallet.clients.service import ClientService
from wallet.holders import store as holder_store

log = logging.getLogger("elicense.demo")

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - published demo credential, demo mode only

# The demo service clients (client_secret_basic), their secrets published like
# DEMO_PASSWORD: demo mode only. client_id -> (name, USCC, bundle items, secret). A
# bundle's client (samples/bundles/*.json service_client) serves its items and the
# bundle code itself, the item one request per application asks for.
DEMO_CLIENTS = {
    "newborn-bundle": (
        '上海市"一件事"新生儿出生服务',
        "11310000MB0123456F",
        (
            "birth_registration",
            "medical_insurance_enrolment",
            "social_security_card",
            "birth_medical_certificate",
            "vaccination_certificate",
            "maternity_benefit",
            "medical_insurance_contribution",
            "newborn",
        ),
        "demo-newborn-bundle-secret",
    ),
    "retirement-bundle": (
        '上海市"一件事"退休服务',
        "11310000MB0123457J",
        ("pension_approval", "housing_fund_withdrawal", "retirement"),
        "demo-retirement-bundle-secret",
    ),
    "ride-hailing-bundle": (
        '浙江省"一件事"网约车驾驶员从业服务',
        "11330000MB0123458X",
        (
            "driver_background_check",
            "ride_hailing_driver_certificate",
            "ride_hailing_driver_bundle",
        ),
        "demo-ride-hailing-bundle-secret",
    ),
    "sh-hukou": (
        "徐汇公安分局户政",
        "11310104002410001L",
        ("birth_registration",),
        "demo-sh-hukou-secret",
    ),
}


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
        created += 1
    log.info("demo: %d citizen accounts made", created)  # by count: a name is personal data
    return created


def seed_clients(clients: ClientService) -> int:
    """Register the :data:`DEMO_CLIENTS` that do not exist yet; return how many."""
    known = {client.client_id for client in clients.list()}
    created = 0
    for client_id, (name, uscc, items, secret) in DEMO_CLIENTS.items():
        if client_id in known:
            continue
        clients.add(name, uscc, items, "client_secret_basic", None, client_id, secret=secret)
        log.info("demo: service client %s", client_id)
        created += 1
    return created


def repoint(engine: Engine, master_key: bytes, base_url: str) -> int:
    """Re-sign every stored credential whose status reference points at another base
    URL so that it points at ``base_url``; return how many were re-signed.

    Demo only. Demo data lives in ``./var`` across runs, and ``serve --demo --port N``
    publishes status lists at port N: a credential minted on an earlier run at another
    port would otherwise read ``status_unavailable`` online and find no list offline.
    Each credential keeps every other claim and is signed again by the key that signed
    it (so a compromised key's credentials still fail); one transaction. A real
    deployment keeps a fixed ``ELICENSE_PUBLIC_BASE_URL`` and never comes here.
    """
    base_url = base_url.rstrip("/")
    keys: dict[bytes, SigningKey | None] = {}
    moved = 0
    with write_transaction(engine) as conn:

        def resign(qr: str) -> str | None:
            return _repointed(conn, qr, base_url, master_key, keys)

        for row in conn.execute(select(certificates.c.id, certificates.c.qr)).all():
            qr = resign(str(row.qr))
            if qr is not None:
                conn.execute(update(certificates).where(certificates.c.id == row.id).values(qr=qr))
                moved += 1
        moved += holder_store.resign_copies(conn, resign)  # the holders' table is theirs
    return moved


def _repointed(
    conn: Connection, qr: str, base_url: str, master_key: bytes, keys: dict[bytes, Any]
) -> str | None:
    if not qr:  # a certificate too large for a QR code has none to re-point
        return None
    sign1 = cose_sign1.decode(qr_envelope.unwrap(qr))
    claims = CredentialClaims.from_cbor(sign1.payload)
    if claims.status is None or "/status/" not in claims.status.uri:
        return None
    uri = base_url + claims.status.uri[claims.status.uri.rindex("/status/") :]
    if uri == claims.status.uri:
        return None
    if sign1.kid not in keys:
        keys[sign1.kid] = _signing_key(conn, sign1.kid, master_key)
    key = keys[sign1.kid]
    if key is None:  # no private part here any more: leave it as it is
        return None
    moved = dataclasses.replace(claims, status=StatusReference(claims.status.idx, uri))
    return seal_claims(moved, key, what="the re-pointed demo credential", field="qr")


def _signing_key(conn: Connection, kid: bytes, master_key: bytes) -> SigningKey | None:
    text = b64url(kid)
    sealed = conn.execute(
        select(issuer_keys.c.sealed_private_key).where(issuer_keys.c.kid == text)
    ).scalar()
    if sealed is None:
        return None
    return SigningKey.from_pkcs8(unseal(master_key, sealed, associated=text.encode()))
