"""An anchor vouches only for its own province's issuers (跨省互认 without borrowed trust).

A trust list is signed for one region (``iss``), which must be the region the verifier
configured the anchor with; every issuer it names must be registered in that province
(the 登记管理机关行政区划码, GB 32100 positions 3-8 of the USCC) and declare a region
inside it. Central authorities (USCC region 100000) come from a national anchor only.
Checked where a list is loaded (``verify_trust_list``), so it holds online and offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from issuers.codes.gb32100 import make_uscc
from issuers.crypto.keys import SigningKey
from issuers.errors import InvalidInput
from issuers.registry import IssuerInfo
from issuers.trust import (
    NATIONAL_REGION,
    KeyEntry,
    TrustAnchor,
    TrustedIssuerEntry,
    TrustListInvalid,
    sign_trust_list,
    trust_list_from_issuers,
    verify_trust_list,
)
from wallet.server import demo

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ISSUERS = {info.uscc: info for info in demo.sample_issuers()}
SH_POLICE = "113100000000000017"  # 上海市公安局, registered in 310000
SH_HOSPITAL = "12310000000000004D"  # declares 310106 (徐汇区), registered in 310000
JS_TRANSPORT = "11320000000000005P"
CENTRAL = IssuerInfo(  # a synthetic central authority: registered in 100000
    uscc=make_uscc("11100000000000012"),
    name_zh="国家示例管理局",
    name_en="National Example Administration (synthetic)",
    region_code=NATIONAL_REGION,
    allowed_types=frozenset({"resident_id"}),
)


def ed25519(label: int) -> SigningKey:
    return SigningKey.from_seed(bytes([label]) * 32)


JS_ANCHOR, SH_ANCHOR, NATIONAL_ANCHOR = ed25519(0x32), ed25519(0x31), ed25519(0x10)
ANCHORS = (
    TrustAnchor(JS_ANCHOR.public, "320000"),
    TrustAnchor(SH_ANCHOR.public, "310000"),
    TrustAnchor(NATIONAL_ANCHOR.public, NATIONAL_REGION),
)


def issuer_key(uscc: str) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(uscc.encode()).digest())


def entry(info: IssuerInfo) -> dict[str, Any]:
    return {
        "uscc": info.uscc,
        "name_zh": info.name_zh,
        "name_en": info.name_en,
        "region_code": info.region_code,
        "allowed_types": sorted(info.allowed_types),
        "keys": [{**issuer_key(info.uscc).public.public_jwk(), "status": "active"}],
    }


def forged(region: str, anchor: SigningKey, *issuers: dict[str, Any]) -> str:
    """A list as an anchor's own (possibly careless or hostile) software would sign it:
    straight JWS, bypassing every check sign_trust_list makes."""
    header = {"alg": "EdDSA", "kid": anchor.public.kid, "typ": "trustlist+jwt"}
    claims = {
        "iss": region,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(days=7)).timestamp()),
        "seq": 1,
        "issuers": list(issuers),
    }

    def b64(value: dict[str, Any]) -> str:
        raw = json.dumps(value, ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = f"{b64(header)}.{b64(claims)}"
    signature = anchor.sign(signing_input.encode())
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def verify(text: str) -> Any:
    return verify_trust_list(text, anchors=ANCHORS, now=NOW)


def test_a_jiangsu_anchor_naming_a_shanghai_uscc_is_refused() -> None:
    """The issue's case: a Shanghai USCC, given a Jiangsu region code, in Jiangsu's list."""
    disguised = replace(ISSUERS[SH_POLICE], region_code="320000")
    with pytest.raises(TrustListInvalid) as caught:
        verify(forged("320000", JS_ANCHOR, entry(disguised)))
    assert caught.value.field == "issuers[0].uscc"
    assert "310000" in caught.value.message
    # Nor will our own signer produce such a list.
    unsigned = trust_list_from_issuers(
        "320000",
        [TrustedIssuerEntry(disguised, (KeyEntry.of(issuer_key(SH_POLICE).public),))],
        sequence=1,
        now=NOW,
        validity=timedelta(days=7),
    )
    with pytest.raises(InvalidInput):
        sign_trust_list(unsigned, JS_ANCHOR)


def test_a_shanghai_anchor_naming_shanghai_usccs_is_accepted() -> None:
    listed = verify(
        forged("310000", SH_ANCHOR, entry(ISSUERS[SH_POLICE]), entry(ISSUERS[SH_HOSPITAL]))
    )
    assert [e.info.uscc for e in listed.issuers] == [SH_POLICE, SH_HOSPITAL]
    assert listed.issuers[1].info.region_code == "310106"  # a district inside the province


def test_a_national_anchor_vouches_for_central_authorities_only() -> None:
    listed = verify(forged(NATIONAL_REGION, NATIONAL_ANCHOR, entry(CENTRAL)))
    assert [e.info.uscc for e in listed.issuers] == [CENTRAL.uscc]
    with pytest.raises(TrustListInvalid) as caught:  # a provincial issuer, nationally
        verify(forged(NATIONAL_REGION, NATIONAL_ANCHOR, entry(ISSUERS[SH_POLICE])))
    assert caught.value.field in ("issuers[0].uscc", "issuers[0].region_code")
    with pytest.raises(TrustListInvalid) as caught:  # a central authority, provincially
        verify(forged("310000", SH_ANCHOR, entry(replace(CENTRAL, region_code="310000"))))
    assert caught.value.field == "issuers[0].uscc"


def test_the_declared_region_must_agree_with_the_uscc() -> None:
    """A Jiangsu USCC declaring a Jiangsu region is fine in Jiangsu's list; the same
    USCC declaring a Shanghai region is refused in either list."""
    assert verify(forged("320000", JS_ANCHOR, entry(ISSUERS[JS_TRANSPORT]))).issuers
    moved = replace(ISSUERS[JS_TRANSPORT], region_code="310000")
    for region, anchor in (("320000", JS_ANCHOR), ("310000", SH_ANCHOR)):
        with pytest.raises(TrustListInvalid) as caught:
            verify(forged(region, anchor, entry(moved)))
        assert caught.value.field in ("issuers[0].uscc", "issuers[0].region_code")


def test_an_anchor_signs_only_its_configured_regions_list() -> None:
    """Jiangsu's anchor signing a consistent list "of Shanghai": refused, because this
    verifier configured that key as Jiangsu's."""
    with pytest.raises(TrustListInvalid) as caught:
        verify(forged("310000", JS_ANCHOR, entry(ISSUERS[SH_POLICE])))
    assert caught.value.field == "iss"


@pytest.mark.parametrize("region", ["32000", "990000", "abcdef", "320100x", ""])
def test_an_anchor_is_configured_with_a_real_region(region: str) -> None:
    with pytest.raises(InvalidInput):
        TrustAnchor(JS_ANCHOR.public, region)


def test_every_sample_issuer_is_registered_in_its_own_province() -> None:
    """The demo data would otherwise publish lists that every verifier refuses."""
    for info in ISSUERS.values():
        assert info.uscc[2:4] == info.region_code[:2], info
