"""What this server publishes keeps to the one-province rule of :mod:`issuers.trust`:
a region's list names only issuers registered (USCC positions 3-8) in that province,
so one misregistered issuer cannot make every verifier refuse the whole list."""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.codes import make_uscc
from issuers.crypto.keys import VerifyingKey
from issuers.trust import TrustAnchor, verify_trust_list
from tests.app_fixtures import FixedClock
from wallet.server import demo
from wallet.server.app import services_of

SH_POLICE = "113100000000000017"


def listed(client: TestClient, clock: FixedClock, region: str) -> list[str]:
    anchors = {a["region_code"]: a["jwk"] for a in client.get("/trust/anchors").json()}
    anchor = TrustAnchor(VerifyingKey.from_jwk(anchors[region]), region)
    response = client.get(f"/trust/lists/{region}")
    assert response.status_code == 200, response.text
    trust_list = verify_trust_list(response.text, anchors=[anchor], now=clock.now)
    return [entry.info.uscc for entry in trust_list.issuers]


def test_an_issuer_registered_in_another_province_is_left_out(
    app: FastAPI, client: TestClient, clock: FixedClock
) -> None:
    shanghai = {info.uscc: info for info in demo.sample_issuers()}[SH_POLICE]
    # Declares Jiangsu, but its USCC says it was registered in Shanghai (310000).
    misfiled = replace(shanghai, uscc=make_uscc("11310000000000077"), region_code="320000")
    services_of(app).issuance.register_issuer(misfiled)
    jiangsu = listed(client, clock, "320000")
    assert misfiled.uscc not in jiangsu
    # Jiangsu's sample issuers: civil affairs, transport, and the 张家港 hospital (320582).
    assert jiangsu == ["11320000000000002E", "11320000000000005P", "123205820000000145"]
    assert misfiled.uscc not in listed(client, clock, "310000")  # nor where it did not ask
