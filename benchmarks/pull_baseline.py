"""The pull benchmark's bare baseline: a FastAPI endpoint that signs the same five SD-JWT VCs.

Served by benchmarks/pull_bench.py as
``uvicorn --app-dir benchmarks pull_baseline:app`` with the real server's worker
settings, at the same path and with the same body as the real pull
(``POST /consent/grants/{id}/pull``, ``{"purpose": ...}``), so one wrk script drives
both. What it leaves out is what the ratio measures: no database, no token lookup, no
grant, no use count, no audit entry, no annotation, no SVG card. What it keeps is the
cryptography of a share: every request signs, for each of the five certificates, the
SD-JWT VC of the issuer's canonical record (:func:`issuers.formats.sd_jwt.vc_claims`
and :func:`~issuers.formats.sd_jwt.issue`) and the holder's key-binding JWT over the
presentation of the asked claims (:func:`~issuers.formats.sd_jwt.bind`). Keys are
made at start, one per issuer and one per holder, as the real server holds them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pull_seed import ASKS, LI_NA_RESIDENT_ID, PUBLIC_SECURITY  # noqa: E402

from issuers.catalogue import get_type  # noqa: E402
from issuers.crypto.keys import SigningKey  # noqa: E402
from issuers.formats.cwt import StatusReference  # noqa: E402
from issuers.formats.sd_jwt import bind, issue, vc_claims  # noqa: E402
from issuers.minting import build_record  # noqa: E402
from issuers.registry import IssuerInfo  # noqa: E402

SAMPLES = ROOT / "samples"
BASE_URL = "http://127.0.0.1"  # only names things inside the signed claims
CLIENT_ID = "bench-baseline"
NONCE = "bench-baseline-nonce-0123456789"


@dataclass(frozen=True)
class Share:
    """One certificate of the grant, ready to sign: everything but the signatures."""

    holder: str
    type_slug: str
    visible: dict[str, Any]
    disclosable: dict[str, Any]
    asked: tuple[str, ...]
    issuer_key: SigningKey
    holder_key: SigningKey


def _sample_fields() -> dict[str, dict[str, Any]]:
    """Each sample certificate type's fields and issuer (the demo's, as it mints them)."""
    items = json.loads((SAMPLES / "certificates.json").read_text("utf-8"))
    return {item["type"]: item for item in items}


def _issuers() -> dict[str, IssuerInfo]:
    return {
        item["uscc"]: IssuerInfo(
            uscc=item["uscc"],
            name_zh=item["name_zh"],
            name_en=item["name_en"],
            region_code=item["region_code"],
            allowed_types=frozenset(item["allowed_types"]),
        )
        for item in json.loads((SAMPLES / "issuers.json").read_text("utf-8"))
    }


def build_shares() -> tuple[Share, ...]:
    """The five shares of :data:`pull_seed.ASKS`, with keys made now."""
    samples = _sample_fields()
    issuers = _issuers()
    issuer_keys = {uscc: SigningKey.generate() for uscc in issuers}
    holder_keys = {holder: SigningKey.generate() for holder in ASKS}
    now = datetime.now(UTC)
    shares: list[Share] = []
    for serial, (holder, types) in enumerate(
        ((h, t) for h, asked in ASKS.items() for t in asked.items()), start=1
    ):
        slug, claims = types
        sample = samples[slug]
        fields, uscc = sample["fields"], sample["issuer"]
        if slug == "resident_id" and holder != fields["id_number"]:
            fields, uscc = LI_NA_RESIDENT_ID, PUBLIC_SECURITY
        status = StatusReference(idx=serial, uri=f"{BASE_URL}/status/lists/{uscc}/1")
        record = build_record(
            get_type(slug),
            issuers[uscc],
            fields,
            serial=serial,
            now=now,
            valid_from=date.fromisoformat(sample["valid_from"]),
            status=status,
        )
        holder_key = holder_keys[holder]
        visible, disclosable = vc_claims(
            record, public_base_url=BASE_URL, holder_key=holder_key.public, status=status
        )
        shares.append(
            Share(holder, slug, visible, disclosable, tuple(claims), issuer_keys[uscc], holder_key)
        )
    return tuple(shares)


SHARES = build_shares()
app = FastAPI(title="pull benchmark: bare baseline")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    """Readiness, as the real server answers it (the harness waits for it)."""
    return {"status": "ok"}


class PullBody(BaseModel):
    purpose: str = Field(min_length=1, max_length=200)


@app.post("/consent/grants/{grant_id}/pull")
def pull(grant_id: str, body: PullBody) -> dict[str, Any]:
    """Sign the five SD-JWT VCs and their key-binding JWTs; nothing else."""
    now = datetime.now(UTC)
    shares = []
    for share in SHARES:
        issued = issue(
            share.visible, share.disclosable, share.issuer_key, kid=share.issuer_key.public.kid
        )
        presentation = issued.presentation(share.asked)
        sd_jwt = bind(presentation, share.holder_key, aud=CLIENT_ID, nonce=NONCE, iat=now)
        shares.append({"holder": share.holder, "type": share.type_slug, "sd_jwt": sd_jwt})
    return {"grant_id": grant_id, "purpose": body.purpose, "shares": shares}
