"""A cache an attacker has written to: their own anchor and a trust list it signs.

Whoever can write the offline cache directory (it is where ``sync`` writes) can leave
an anchor key there, in the layout older syncs used, and a trust list signed by it
naming a forger's key for a fake 北京市公安局. :func:`plant` does exactly that, and
:func:`resident_id` forges the 居民身份证 such a list would vouch for. The tests show
the verifier never reads that anchor; its anchors come from configuration only.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from issuers.catalogue import CATALOGUE
from issuers.codes import make_uscc
from issuers.minting import build_record, sign_qr
from issuers.registry import IssuerInfo
from issuers.trust import KeyEntry, TrustedIssuerEntry, sign_trust_list, trust_list_from_issuers
from tests.verifiers.offline_world import CERTIFICATES, NOW, WEEK, ed25519
from verifiers.offline import CacheDir

ROGUE_ANCHOR = ed25519(0x66)
FORGER = ed25519(0x67)
FAKE_POLICE = IssuerInfo(  # registered in Beijing, as the planted list claims
    uscc=make_uscc("11110000000000009"),
    name_zh="北京市公安局",
    name_en="(forged)",
    region_code="110000",
    allowed_types=frozenset({"resident_id"}),
)


def resident_id(issuer: IssuerInfo) -> str:
    """A 居民身份证 with no status reference (so no status list can refuse it)."""
    item = next(c for c in CERTIFICATES if c["type"] == "resident_id")
    record = build_record(
        CATALOGUE["resident_id"],
        issuer,
        item["fields"],
        serial=1,
        now=NOW - timedelta(days=1),
        valid_from=date(2026, 1, 1),
    )
    return sign_qr(record, FORGER)


def plant(cache_root: Path) -> None:
    """What an attacker with write access to the cache leaves there: their anchor, in
    the layout older syncs used, and a trust list it signs naming the forger's key."""
    jwk = {**ROGUE_ANCHOR.public.public_jwk(), "region_code": "110000"}
    anchors = cache_root / "anchors"
    anchors.mkdir(parents=True, exist_ok=True)
    (anchors / f"{ROGUE_ANCHOR.public.kid}.jwk.json").write_text(json.dumps(jwk))
    (cache_root / "anchors.json").write_text(json.dumps([jwk]))
    entry = TrustedIssuerEntry(FAKE_POLICE, (KeyEntry.of(FORGER.public),))
    unsigned = trust_list_from_issuers("110000", [entry], sequence=1, now=NOW, validity=WEEK)
    CacheDir(cache_root).write_trust_list(
        "110000", sign_trust_list(unsigned, ROGUE_ANCHOR), fetched_at=NOW, source=None
    )
