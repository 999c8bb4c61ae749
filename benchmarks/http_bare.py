"""The HTTP benchmark's bare baselines: FastAPI endpoints doing only the cryptography.

Served by benchmarks/http_speed.py as ``uvicorn --app-dir benchmarks http_bare:app``
with the real server's worker settings (uvloop, httptools, as many workers). It reads
``HTTP_BARE_INPUT``, a JSON file the benchmark wrote from the real server's public
answers: ``{"qr": a credential QR, "qrs": [the QR of each certificate ours presents,
in the order wrk asks for them], "jwks": [the issuers' public JWKs]}``.

* ``POST /verify`` (``{"qr": ...}``, as ours): Base45 + zlib
  (:func:`issuers.formats.qr_envelope.unwrap`), COSE_Sign1 decode and the Ed25519
  verify against the key its kid names, from a dict made at start. No claims, no
  validity, no schema, no status, no verdict model: what the ratio measures.
* ``POST /present/{n}``: a live presentation's work without a database, for the same
  certificates as ours in turn (a larger one draws a larger QR): the credential
  unwrapped, the presentation's CBOR signed with a key made at start, Base45-wrapped
  and rendered as the SVG QR code (the same mask as ours). No session, no holder
  lookup, no key decryption.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cbor2
from fastapi import FastAPI
from pydantic import BaseModel, Field

from issuers.crypto.keys import SigningKey, VerifyingKey
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.presentation import (
    CNF_KID,
    CONTENT_TYPE,
    HEADER_CONTENT_TYPE,
    P_CREDENTIAL,
    P_EXP,
    P_IAT,
)
from issuers.formats.presentation import PREFIX as PRESENTATION_PREFIX
from issuers.formats.qr_image import LIVE_MASK, render_svg

INPUT = json.loads(Path(os.environ["HTTP_BARE_INPUT"]).read_text("utf-8"))
KEYS: dict[bytes, VerifyingKey] = {
    key.thumbprint: key for key in (VerifyingKey.from_jwk(jwk) for jwk in INPUT["jwks"])
}
HOLDER_KEY = SigningKey.generate()
LIFETIME_S = 60

app = FastAPI(title="HTTP benchmark: bare baselines")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    """Readiness, as the real server answers it (the harness waits for it)."""
    return {"status": "ok"}


class VerifyBody(BaseModel):
    qr: str = Field(max_length=5000)


@app.post("/verify")
def verify(body: VerifyBody) -> dict[str, Any]:
    """Base45, zlib, COSE decode and the signature; nothing else."""
    message = cose_sign1.decode(qr_envelope.unwrap(body.qr))
    message.verify(KEYS[message.kid])
    return {"valid": True, "kid": message.kid.hex(), "bytes": len(message.payload)}


@app.post("/present/{number}")
def present(number: int) -> dict[str, Any]:
    """Sign a live presentation of credential ``number`` and render its QR code."""
    credential = qr_envelope.unwrap(INPUT["qrs"][number])
    issued_at = int(datetime.now(UTC).timestamp())
    payload = {P_CREDENTIAL: credential, P_IAT: issued_at, P_EXP: issued_at + LIFETIME_S}
    cose = cose_sign1.sign(
        cbor2.dumps(payload),
        HOLDER_KEY,
        kid=CNF_KID,
        extra_protected={HEADER_CONTENT_TYPE: CONTENT_TYPE},
    )
    text = qr_envelope.wrap_scannable(
        cose, what="the presentation", field="credential", prefix=PRESENTATION_PREFIX
    )
    return {"payload": text, "qr_svg": render_svg(text, mask=LIVE_MASK), "issued_at": issued_at}
