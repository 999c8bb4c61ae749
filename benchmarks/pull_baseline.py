"""The pull benchmark's bare baseline: a FastAPI endpoint that signs the same five SD-JWT VCs.

Served by benchmarks/pull_bench.py as
``uvicorn --app-dir benchmarks pull_baseline:app`` with the real server's worker
settings, at the same path and with the same body as the real pull
(``POST /consent/grants/{id}/pull``, ``{"purpose": ...}``), so one wrk script drives
both. What it leaves out is what the ratio measures: no database, no token lookup, no
grant, no use count, no audit entry. What it keeps is the work of a share that reads
nothing stored, as ours does it for each of the five certificates: the presentation
of the asked claims (:meth:`~issuers.formats.sd_jwt.IssuedSdJwt.presentation`), the
holder's key-binding JWT (:func:`~issuers.formats.sd_jwt.bind`), the platform's
signed annotation (:func:`wallet.consent.annotation.sign_annotation`) and the SVG card
(:func:`wallet.consent.card_svg.render_card`). The SD-JWT VCs themselves are issued at
start (:func:`~issuers.formats.sd_jwt.issue` of the issuer's canonical record,
:func:`~issuers.formats.sd_jwt.vc_claims`), as ours issues each at approval. Keys are
made at start, one per issuer and holder and the platform's, as the real server holds
them.
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

from benchmarks.pull_seed import ASKS, LI_NA_RESIDENT_ID, PUBLIC_SECURITY  # noqa: E402
from issuers.catalogue import CATALOGUE, get_type  # noqa: E402
from issuers.crypto.keys import SigningKey  # noqa: E402
from issuers.formats.cwt import StatusReference  # noqa: E402
from issuers.formats.sd_jwt import IssuedSdJwt, bind, issue, vc_claims, vct_of  # noqa: E402
from issuers.minting import build_record  # noqa: E402
from issuers.registry import IssuerInfo  # noqa: E402
from wallet.consent.annotation import Annotation, share_digest, sign_annotation  # noqa: E402
from wallet.consent.card_svg import render_card  # noqa: E402

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
    issued: IssuedSdJwt  # issued at start, as ours issues each share at approval


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
        issuer_key = issuer_keys[uscc]
        issued = issue(visible, disclosable, issuer_key, kid=issuer_key.public.kid)
        shares.append(
            Share(holder, slug, visible, disclosable, tuple(claims), issuer_key, holder_key, issued)
        )
    return tuple(shares)


SHARES = build_shares()
PLATFORM_KEY = SigningKey.generate()
PLATFORM_KEY_ID = PLATFORM_KEY.public.kid
app = FastAPI(title="pull benchmark: bare baseline")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    """Readiness, as the real server answers it (the harness waits for it)."""
    return {"status": "ok"}


class PullBody(BaseModel):
    purpose: str = Field(min_length=1, max_length=200)


@app.post("/consent/grants/{grant_id}/pull")
def pull(grant_id: str, body: PullBody) -> dict[str, Any]:
    """Per certificate, what a real pull does that reads nothing stored: the narrowed
    presentation, the key-binding JWT, the platform's signed annotation and the card."""
    now = datetime.now(UTC)
    shares = []
    for number, share in enumerate(SHARES):
        presentation = share.issued.presentation(share.asked)
        sd_jwt = bind(presentation, share.holder_key, aud=CLIENT_ID, nonce=NONCE, iat=now)
        annotation = _annotation(share, grant_id, body.purpose, sd_jwt, now, number)
        disclosed = {name: share.disclosable[name] for name in share.asked}
        shares.append(
            {
                "holder": share.holder,
                "type": share.type_slug,
                "sd_jwt": sd_jwt,
                "annotation": sign_annotation(annotation, PLATFORM_KEY, kid=PLATFORM_KEY_ID),
                "card_svg": render_card(CATALOGUE[share.type_slug].name_zh, disclosed, annotation),
            }
        )
    return {"grant_id": grant_id, "purpose": body.purpose, "shares": shares}


def _annotation(
    share: Share, grant_id: str, purpose: str, sd_jwt: str, now: datetime, number: int
) -> Annotation:
    pulled_at = int(now.timestamp())
    return Annotation(
        iss=BASE_URL,
        license_id=f"bench-{number}",
        vct=vct_of(share.type_slug),
        client_id=CLIENT_ID,
        client_name="基准测试服务",
        client_uscc=PUBLIC_SECURITY,
        purpose=purpose,
        item_code="birth_registration",
        item_name_zh="出生登记",
        pulled_at=pulled_at,
        valid_until=pulled_at + 86_400,
        grant_id=grant_id,
        use=1,
        max_uses=1000,
        share_digest=share_digest(sd_jwt),
        audit_receipt="0" * 64,
    )
