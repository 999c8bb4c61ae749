"""The audit log over HTTP: the platform key, public checkpoints, each citizen's own
entries (never another's), rendered in Chinese and Beijing time."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.crypto.keys import VerifyingKey
from issuers.store.database import write_transaction
from tests.app_fixtures import FixedClock
from tests.helpers import CHEN_QIANG, LI_NA, ZHANG_WEI
from tests.wallet.audit.audit_world import pull_event
from tests.wallet.audit.consented import SECRETS, by_kind, consent_story
from tests.wallet.citizens import login
from wallet.accounts.service import AccountService
from wallet.audit import chain
from wallet.audit.records import AuditEvent
from wallet.server.app import services_of
from wallet.server.wiring import Services


def record(app: FastAPI, clock: FixedClock, *events: AuditEvent) -> None:
    services = services_of(app)
    with write_transaction(services.engine) as conn:
        for event in events:
            services.audit.append(conn, event, clock.now)


def test_the_platform_key_is_published_and_checks_the_checkpoints(
    app: FastAPI, client: TestClient, clock: FixedClock
) -> None:
    record(app, clock, pull_event(1))
    jwks = client.get("/platform/jwks").json()
    key = VerifyingKey.from_jwk(jwks["keys"][0])
    assert jwks["keys"][0]["kid"] == key.kid
    page = client.get("/audit/checkpoints").json()
    assert page["platform_key"] == jwks["keys"][0]
    [checkpoint] = page["checkpoints"]
    assert chain.read_checkpoint(checkpoint["jws"], key)["count"] == checkpoint["count"] == 1
    assert page["next_after"] is None


def test_checkpoint_paging_is_bounded(client: TestClient) -> None:
    assert client.get("/audit/checkpoints", params={"limit": 101}).status_code == 422
    assert client.get("/audit/checkpoints", params={"after": 0}).status_code == 422


def test_each_citizen_reads_only_their_own_entries(
    app: FastAPI, client: TestClient, clock: FixedClock, accounts: AccountService
) -> None:
    refused = AuditEvent(
        "pull_refused",
        "service:hospital",
        (ZHANG_WEI,),
        {
            "service": "市医保中心",
            "purpose": "新生儿参保",
            "types": ["marriage"],
            "claims": {"marriage": ["party_a_name"]},
            "outcome": "grant_revoked",
        },
        "grant-9",
    )
    record(app, clock, pull_event(1, (LI_NA,)), refused)
    zhang = client.get("/wallet/audit", headers=login(client, ZHANG_WEI)).json()
    assert [e["grant_id"] for e in zhang["entries"]] == ["grant-9"]
    [entry] = zhang["entries"]
    assert entry["kind_name"] == "调取被拒绝"
    assert entry["actor_name"] == "市医保中心"
    assert entry["claims"] == ["marriage.party_a_name"]
    assert entry["outcome"] == "grant_revoked"
    assert entry["at"].endswith("+08:00")
    li = client.get("/wallet/audit", headers=login(client, LI_NA)).json()
    assert [e["grant_id"] for e in li["entries"]] == ["grant-1"]
    assert client.get("/wallet/audit", headers=login(client, CHEN_QIANG)).json()["entries"] == []


ASKED_TYPES = ["resident_id", "marriage"]
ASKED_TYPE_NAMES = ["居民身份证", "结婚证"]
ASKED_LABELS = {
    "resident_id.name": "居民身份证·姓名",
    "resident_id.sex": "居民身份证·性别",
    "resident_id.id_number": "居民身份证·公民身份号码",
    "marriage.certificate_number": "结婚证·证号",
    "marriage.party_a": "结婚证·甲方",
    "marriage.party_b": "结婚证·乙方",
}


def test_a_citizen_reads_a_real_consent_story_in_chinese_without_any_value(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    sessions = consent_story(client, services, admin_headers)
    response = client.get("/wallet/audit", headers=sessions[ZHANG_WEI])
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    kinds = by_kind(entries)
    assert set(kinds) == {"request_created", "request_approved", "pull", "grant_revoked"}
    for kind, entry in kinds.items():
        assert entry["item"] == "birth_registration", kind  # the code stays for clients
        assert entry["item_name"] == "出生登记", kind
        assert entry["purpose"] == "新生儿出生登记", kind
        # Requests and decisions name what was asked (they read as [] before).
        assert sorted(entry["types"]) == sorted(ASKED_TYPES), kind
        assert dict(zip(entry["types"], entry["type_names"], strict=True)) == dict(
            zip(ASKED_TYPES, ASKED_TYPE_NAMES, strict=True)
        ), kind
        assert dict(zip(entry["claims"], entry["claim_labels"], strict=True)) == ASKED_LABELS
    assert kinds["request_created"]["actor_name"] == "出生登记服务"
    assert kinds["grant_revoked"]["kind_name"] == "撤销授权"
    text = json.dumps(response.json(), ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text, secret


def test_an_old_entry_falls_back_to_codes_and_unknown_names(
    app: FastAPI, client: TestClient, clock: FixedClock, accounts: AccountService
) -> None:
    old = AuditEvent(
        "pull",
        "service:hospital",
        (ZHANG_WEI,),
        {
            "service": "市医保中心",
            "item": "birth_registration",  # written before item_name_zh was
            "types": ["resident_id", "retired_type"],
            "claims": ["name", "unlabelled_claim"],
            "outcome": "ok",
        },
        "grant-old",
    )
    record(app, clock, old)
    [entry] = client.get("/wallet/audit", headers=login(client, ZHANG_WEI)).json()["entries"]
    assert entry["item_name"] == "birth_registration"
    assert entry["types"] == ["resident_id", "retired_type"]
    assert entry["type_names"] == ["居民身份证", "retired_type"]
    assert entry["claims"] == ["name", "unlabelled_claim"]
    assert entry["claim_labels"] == ["姓名", "unlabelled_claim"]


def test_a_delegates_use_names_the_request_it_served(
    app: FastAPI, client: TestClient, clock: FixedClock, accounts: AccountService
) -> None:
    used = AuditEvent(
        "delegation_used",
        "delegate",
        (ZHANG_WEI, LI_NA),
        {
            "delegation": "delegation-1",
            "type": "resident_id",
            "item": None,  # a delegation for any item
            "item_name_zh": None,
            "request": {
                "service": "市医保中心",
                "client_id": "insurer",
                "purpose": "新生儿参保",
                "item": "medical_insurance_enrolment",
                "item_name_zh": "医保参保",
            },
        },
        "grant-7",
    )
    record(app, clock, used)
    [entry] = client.get("/wallet/audit", headers=login(client, ZHANG_WEI)).json()["entries"]
    assert (entry["kind_name"], entry["actor_name"]) == ("受托人使用", "受托人")
    assert (entry["service"], entry["purpose"]) == ("市医保中心", "新生儿参保")
    assert (entry["item"], entry["item_name"]) == ("medical_insurance_enrolment", "医保参保")
    assert (entry["types"], entry["type_names"]) == (["resident_id"], ["居民身份证"])


def test_the_citizen_log_needs_a_session(client: TestClient) -> None:
    assert client.get("/wallet/audit").status_code == 401


def test_paging_newest_first(
    app: FastAPI, client: TestClient, clock: FixedClock, accounts: AccountService
) -> None:
    record(app, clock, *(pull_event(n, (ZHANG_WEI,)) for n in range(3)))
    headers = login(client, ZHANG_WEI)
    first = client.get("/wallet/audit", params={"limit": 2}, headers=headers).json()
    assert [e["seq"] for e in first["entries"]] == [3, 2]
    rest = client.get(
        "/wallet/audit", params={"before": first["next_before"], "limit": 2}, headers=headers
    ).json()
    assert [e["seq"] for e in rest["entries"]] == [1]
    assert rest["next_before"] is None


def test_an_unknown_query_parameter_is_refused(client: TestClient) -> None:
    response = client.get("/audit/checkpoints", params={"afterr": 3})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "afterr"
