"""The in-memory world of the offline-verification tests: two regions' anchors, their
transport departments' keys, trust lists, status lists and credentials, a cache filled
as ``sync`` would leave it, and fake servers for ``sync`` to fetch from.

Shared by the tests of :mod:`verifiers.offline` (``tests/verifiers/test_offline.py``
and its neighbours), the recognition API and the server's anchor configuration. No
server and no network: documents are signed here with fixed keys, and the clock is
always :data:`NOW` or a time the test passes in.

A Jiangsu (320000) and a Zhejiang (330000) anchor are :data:`CONFIGURED`; Shanghai's
(310000) exists but is not. Every status list has :data:`REVOKED_IDX` revoked and
:data:`SUSPENDED_IDX` suspended.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from issuers.catalogue import CATALOGUE
from issuers.crypto.keys import Algorithm, SigningKey
from issuers.formats.cwt import StatusReference
from issuers.formats.status_list import StatusList, StatusListToken
from issuers.formats.status_list_token import sign_jwt
from issuers.minting import build_record, sign_qr
from issuers.trust import KeyEntry, TrustedIssuerEntry, sign_trust_list, trust_list_from_issuers
from verifiers.offline import (
    Anchor,
    CacheDir,
    FetchFailed,
    OfflineVerifier,
    StalePolicy,
    verify_offline,
)
from verifiers.verdict import Verdict
from wallet.server import demo

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
TTL = 300
ISSUERS = {info.uscc: info for info in demo.sample_issuers()}
CERTIFICATES: list[dict[str, Any]] = demo.load_json("certificates.json")
JS_TRANSPORT, ZJ_TRANSPORT = "11320000000000005P", "11330000000000003M"
SH_POLICE = "113100000000000017"
JS_URI = f"https://js.example/status/{JS_TRANSPORT}/1"
ZJ_URI = f"https://zj.example/status/{ZJ_TRANSPORT}/1"
SH_URI = f"https://sh.example/status/{SH_POLICE}/1"
VALID_IDX, REVOKED_IDX, SUSPENDED_IDX = 3, 5, 6


def ed25519(label: int) -> SigningKey:
    """A fixed Ed25519 key: the same bytes in every run, so documents are reproducible."""
    return SigningKey.from_seed(bytes([label]) * 32)


JS_ANCHOR = ed25519(0x32)
ZJ_ANCHOR = SigningKey(Algorithm.ES256, ec.derive_private_key(0x33, ec.SECP256R1()))
SH_ANCHOR = ed25519(0x31)  # a real region's anchor, but not one this inspector trusts
ROGUE = ed25519(0x66)
KEYS = {JS_TRANSPORT: ed25519(1), ZJ_TRANSPORT: ed25519(4), SH_POLICE: ed25519(5)}
ANCHOR_OF = {"320000": JS_ANCHOR, "330000": ZJ_ANCHOR, "310000": SH_ANCHOR}
CONFIGURED = (Anchor(JS_ANCHOR.public, "320000"), Anchor(ZJ_ANCHOR.public, "330000"))


# --- building signed documents and credentials ------------------------------------------


def trust_list(
    region: str,
    *usccs: str,
    anchor: SigningKey | None = None,
    at: datetime = NOW,
    validity: timedelta = WEEK,
    seq: int = 1,
) -> str:
    """``region``'s trust list naming ``usccs``, signed by its anchor (or ``anchor``)."""
    entries = [
        TrustedIssuerEntry(
            ISSUERS[uscc], (KeyEntry.of(KEYS[uscc].public, not_before=NOW - timedelta(days=90)),)
        )
        for uscc in usccs
    ]
    unsigned = trust_list_from_issuers(region, entries, sequence=seq, now=at, validity=validity)
    return sign_trust_list(unsigned, anchor or ANCHOR_OF[region])


def status_list(
    uri: str,
    signer: str,
    *,
    revoked: int | None = REVOKED_IDX,
    suspended: int | None = SUSPENDED_IDX,
    at: datetime = NOW,
    ttl: int | None = TTL,
    expires: timedelta = timedelta(days=1),
) -> str:
    """A status list token for ``uri`` signed by ``signer``'s key: 1 is revoked, 2 is
    suspended (draft-ietf-oauth-status-list, two bits a credential)."""
    bits = StatusList(64, bits=2)
    if revoked is not None:
        bits.set(revoked, 1)
    if suspended is not None:
        bits.set(suspended, 2)
    token = StatusListToken(uri=uri, issued_at=at, status_list=bits, expires=at + expires, ttl=ttl)
    return sign_jwt(token, KEYS[signer])


def credential(uscc: str, idx: int, uri: str | None = None, *, type_slug: str = "") -> str:
    """A QR credential of ``uscc`` whose status is entry ``idx`` of ``uri`` (by default
    its department's list)."""
    slug = type_slug or ("resident_id" if uscc == SH_POLICE else "road_transport_permit")
    item = next(c for c in CERTIFICATES if c["type"] == slug)
    record = build_record(
        CATALOGUE[slug],
        ISSUERS[uscc],
        item["fields"],
        serial=idx + 1,
        now=NOW - timedelta(days=30),
        valid_from=date(2026, 1, 1),
        status=StatusReference(idx, uri or {JS_TRANSPORT: JS_URI, ZJ_TRANSPORT: ZJ_URI}[uscc]),
    )
    return sign_qr(record, KEYS[uscc])


def js_credential(idx: int) -> str:
    """江苏省交通运输厅 issues the permit from the samples (a Zhejiang company's, fine)."""
    return credential(JS_TRANSPORT, idx)


def fill_cache(
    root: Path,
    *,
    fetched_at: datetime = NOW,
    trust: dict[str, str] | None = None,
    status: dict[str, tuple[str, str]] | None = None,
) -> CacheDir:
    """The cache a sync against Jiangsu and Zhejiang (CONFIGURED) leaves. Trust lists by
    region, status lists by uri -> (issuer, token)."""
    cache = CacheDir(root)
    cache.ensure()
    if trust is None:
        trust = {"320000": trust_list("320000", JS_TRANSPORT), "330000": zj_list()}
    if status is None:
        status = {
            JS_URI: (JS_TRANSPORT, status_list(JS_URI, JS_TRANSPORT)),
            ZJ_URI: (ZJ_TRANSPORT, status_list(ZJ_URI, ZJ_TRANSPORT)),
        }
    for region, text in trust.items():
        cache.write_trust_list(region, text, fetched_at=fetched_at, source=None)
    for uri, (issuer, text) in status.items():
        cache.write_status_list(uri, text, issuer=issuer, fetched_at=fetched_at, source=None)
    return cache


def zj_list(**changes: Any) -> str:
    """Zhejiang's trust list naming its transport department."""
    return trust_list("330000", ZJ_TRANSPORT, **changes)


def check(root: Path, qr: str, now: datetime, stale: StalePolicy = "refuse") -> Verdict:
    """The verdict on ``qr`` from the cache at ``root``, loaded at ``now`` as the CLI does."""
    verifier = OfflineVerifier.load(root, anchors=CONFIGURED, now=now, stale_policy=stale)
    return verify_offline(qr, verifier, now)


def write_anchors(path: Path) -> Path:
    """The configured anchors as an operator keeps them: a file outside the cache."""
    entries = [{"region_code": a.region_code, "jwk": a.key.public_jwk()} for a in CONFIGURED]
    path.write_text(json.dumps(entries))
    return path


# --- sync against fake servers -----------------------------------------------------------


@dataclass
class FakeNet:
    """URL -> body; anything else is a 404. ``crash_on`` raises mid-sync."""

    routes: dict[str, bytes | Callable[[], bytes]] = field(default_factory=dict)
    requested: list[tuple[str, str]] = field(default_factory=list)
    crash_on: str | None = None

    def fetch(self, url: str, headers: dict[str, str]) -> bytes:
        self.requested.append((url, headers.get("Accept", "")))
        if url == self.crash_on:
            raise RuntimeError("power cut")
        body = self.routes.get(url)
        if body is None:
            raise FetchFailed(f"{url}: HTTP 404")
        return body() if callable(body) else body

    def serve(
        self,
        base: str,
        anchors: list[tuple[str, SigningKey]],
        lists: dict[str, str],
        status: dict[str, tuple[str, str]],
    ) -> None:
        self.routes[f"{base}/trust/anchors"] = json_bytes(
            [
                {"region_code": r, "region_name": None, "jwk": k.public.public_jwk()}
                for r, k in anchors
            ]
        )
        for region, text in lists.items():
            self.routes[f"{base}/trust/lists/{region}"] = text.encode()
        self.routes[f"{base}/status/lists"] = json_bytes(
            [{"uri": uri, "issuer": issuer} for uri, (issuer, _) in status.items()]
        )
        for uri, (_, text) in status.items():
            self.routes[uri] = text.encode()


def json_bytes(value: Any) -> bytes:
    """A JSON response body."""
    return json.dumps(value).encode()


def anchor_files(tmp_path: Path) -> list[Path]:
    """Jiangsu's and Zhejiang's anchors in the two file shapes ``sync`` accepts."""
    js, zj = tmp_path / "js-anchor.json", tmp_path / "zj-anchor.jwk"
    js.write_text(json.dumps({"region_code": "320000", "jwk": JS_ANCHOR.public.public_jwk()}))
    # A JWK carrying its region works too.
    zj.write_text(json.dumps({**ZJ_ANCHOR.public.public_jwk(), "region_code": "330000"}))
    return [js, zj]


def two_servers(net: FakeNet, *, at: datetime = NOW, zj_revoked: int | None = None) -> None:
    """Jiangsu's (also serving Shanghai's list) and Zhejiang's platforms on ``net``."""
    js_status = {JS_URI: (JS_TRANSPORT, status_list(JS_URI, JS_TRANSPORT, at=at))}
    zj_status = {
        ZJ_URI: (ZJ_TRANSPORT, status_list(ZJ_URI, ZJ_TRANSPORT, at=at, revoked=zj_revoked))
    }
    seq = int(at.timestamp())
    net.serve(
        "https://js.example",
        [("320000", JS_ANCHOR), ("310000", SH_ANCHOR)],  # Shanghai: not configured here
        {
            "320000": trust_list("320000", JS_TRANSPORT, at=at, seq=seq),
            "310000": trust_list("310000", SH_POLICE),
        },
        js_status,
    )
    net.serve(
        "https://zj.example",
        [("330000", ZJ_ANCHOR)],
        {"330000": zj_list(at=at, seq=seq)},
        zj_status,
    )
