"""The audit log over HTTP: the platform key, public checkpoints, each citizen's own
entries (never another's), rendered in Chinese and Beijing time."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.crypto.keys import VerifyingKey
from issuers.store.database import write_transaction
from tests.app_fixtures import FixedClock
from tests.helpers import CHEN_QIANG, LI_NA, ZHANG_WEI
from tests.wallet.audit.audit_world import pull_event
from tests.wallet.citizens import login
from wallet.accounts.service import AccountService
from wallet.audit import chain
from wallet.audit.records import AuditEvent
from wallet.server.app import services_of


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
