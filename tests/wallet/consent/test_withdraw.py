"""A service withdraws its own authorisation request (``POST /consent/requests/{id}/
withdraw``): pending, it leaves the citizens' wallets and takes no approval; an active
grant stops every pull; the audit log records it once, for every party, in Chinese;
another service's request is the same 404 as a missing one; and a withdrawal racing an
approval lets one of them win, never both (threads; SQLite, or PostgreSQL with
ELICENSE_DATABASE_URL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection

from issuers.errors import Conflict
from tests.helpers import LI_NA, PUBLIC_SECURITY, ZHANG_WEI, assert_error
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide, made, service_headers
from tests.wallet.consent.share_calls import (
    ASKS,
    approve_all,
    audit_entries,
    mint_spouses,
    pull,
    requested,
)
from wallet.accounts.service import AccountService
from wallet.consent.records import ChosenCertificate, ConsentRequest, SharePreparer, Withdrawal
from wallet.server.wiring import Services

RACES = 6


def _withdraw(client: TestClient, headers: dict[str, str], request_id: str) -> Any:
    return client.post(f"/consent/requests/{request_id}/withdraw", headers=headers)


def _withdrawals(client: TestClient, session: dict[str, str]) -> list[dict[str, Any]]:
    return [e for e in audit_entries(client, session) if e["kind"] == "request_withdrawn"]


def test_a_withdrawn_request_leaves_the_wallets_and_takes_no_decision(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    mint_spouses(client, admin_headers)
    _, service, request_id = requested(client, services)
    zhang, li = login(client, ZHANG_WEI), login(client, LI_NA)
    assert decide(client, zhang, request_id).status_code == 200  # one of two approved
    listed = client.get("/wallet/consent/requests", headers=li).json()
    assert [r["id"] for r in listed] == [request_id]

    response = _withdraw(client, service, request_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["state"], body["approved"], body["parties"]) == (
        request_id, "withdrawn", 1, 2,
    )  # fmt: skip
    for session in (zhang, li):
        assert client.get("/wallet/consent/requests", headers=session).json() == []
        assert client.get("/wallet/consent/grants", headers=session).json() == []
        seen = client.get(f"/wallet/consent/requests/{request_id}", headers=session).json()
        assert seen["state"] == "withdrawn"
    assert_error(decide(client, li, request_id), 409, "conflict")
    assert_error(decide(client, li, request_id, "deny"), 409, "conflict")
    assert_error(decide(client, zhang, request_id, "revoke"), 409, "conflict")
    refused = decide(client, li, request_id).json()
    assert refused["error"]["details"] == {"state": "withdrawn"}
    assert client.get(f"/consent/requests/{request_id}", headers=service).json()["state"] == (
        "withdrawn"
    )

    again = _withdraw(client, service, request_id)  # idempotent: nothing more happens
    assert (again.status_code, again.json()["state"]) == (200, "withdrawn")
    for session in (zhang, li):
        (entry,) = _withdrawals(client, session)  # one entry, read by both spouses
        assert entry["kind_name"] == "授权申请已撤回"
        assert entry["actor_name"] == "出生登记服务"
        assert entry["grant_id"] == request_id
        assert entry["item_name"] == "出生登记"


def test_withdrawing_an_active_grant_stops_every_pull(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    mint_spouses(client, admin_headers)
    client_id, service, grant_id = requested(client, services)
    sessions = approve_all(client, grant_id)
    assert pull(client, service, grant_id).status_code == 200  # a use taken, two left

    body = _withdraw(client, service, grant_id).json()
    assert (body["state"], body["uses_taken"], body["max_uses"]) == ("withdrawn", 1, 3)
    assert_error(pull(client, service, grant_id), 403, "grant_revoked")
    for session in sessions.values():
        assert client.get("/wallet/consent/grants", headers=session).json() == []
        (entry,) = _withdrawals(client, session)
        assert entry["kind_name"] == "授权申请已撤回"
    withdrawn = services.consent.for_service(client_id, grant_id)
    assert withdrawn.revoked_at == services.clock()  # when it stopped


def test_another_services_request_is_not_found_as_a_missing_one(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    mint_spouses(client, admin_headers)
    _, _, request_id = requested(client, services)
    _, other = service_headers(services, "另一服务")
    foreign = _withdraw(client, other, request_id)
    missing = _withdraw(client, other, "no-such-request")
    assert_error(foreign, 404, "not_found")
    assert foreign.json() == missing.json()
    assert_error(_withdraw(client, other, "bad%00id"), 404, "not_found")
    listed = client.get("/wallet/consent/requests", headers=login(client, LI_NA)).json()
    assert [r["id"] for r in listed] == [request_id]  # still pending, nothing recorded
    assert _withdrawals(client, login(client, LI_NA)) == []


def test_a_request_decided_already_is_left_as_it_is(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    mint_spouses(client, admin_headers)
    _, service, request_id = requested(client, services)
    li = login(client, LI_NA)
    assert decide(client, li, request_id, "deny").status_code == 200
    body = _withdraw(client, service, request_id).json()
    assert body["state"] == "denied"
    assert _withdrawals(client, li) == []


class _HeldApproval:
    """The shares preparer, then a pause inside the approval's transaction (after it
    read the request locked): a withdrawal started then must wait for the commit."""

    def __init__(self, inner: SharePreparer) -> None:
        self.inner, self.inside = inner, threading.Event()

    def prepare(
        self, conn: Connection, request: ConsentRequest, party_holder: str,
        certificates: Sequence[ChosenCertificate], now: datetime, *,
        key_binding_signatures: Mapping[str, str],
    ) -> None:  # fmt: skip
        self.inner.prepare(
            conn, request, party_holder, certificates, now,
            key_binding_signatures=key_binding_signatures,
        )  # fmt: skip
        self.inside.set()
        time.sleep(0.3)


def _race(
    services: Services, client_id: str, request_id: str, held: _HeldApproval | None
) -> tuple[object, Withdrawal]:
    """张伟 approves while the service withdraws; with ``held``, the withdrawal starts
    once the approval holds the request."""
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def approve() -> None:
        barrier.wait()
        try:
            outcome["approve"] = services.consent.wallet.approve(ZHANG_WEI, request_id)
        except Conflict as refused:
            outcome["approve"] = refused

    def withdraw() -> None:
        barrier.wait()
        if held is not None:
            assert held.inside.wait(10)
        outcome["withdraw"] = services.consent.withdraw(client_id, request_id)

    threads = [threading.Thread(target=approve), threading.Thread(target=withdraw)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    withdrawal = outcome["withdraw"]
    assert isinstance(withdrawal, Withdrawal)
    return outcome["approve"], withdrawal


def test_a_withdrawal_racing_an_approval_lets_one_win_never_both(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    """张伟 approves his one-party request while the service withdraws it. The two
    transactions read the request locked: either the withdrawal came first (the
    approval is refused, his decision stays pending) or the approval did (the
    withdrawal then took back the *active* grant it made). Never an approval landing
    on a request the withdrawal read as pending; every time the request ends
    withdrawn, in nobody's wallet. Started together the withdrawal wins (the approval
    reads more first); in the last rounds the approval holds the request when the
    withdrawal starts, which must wait for its commit."""
    mint_spouses(client, admin_headers)
    client_id, headers = service_headers(services)
    shares = services.consent.wallet.preparer
    winners: list[str] = []
    for round_ in range(RACES):
        held = _HeldApproval(shares) if round_ >= RACES - 2 else None
        services.consent.use_preparer(held or shares)
        request_id = made(client, headers, {ZHANG_WEI: ASKS})
        approval, withdrawal = _race(services, client_id, request_id, held)
        (party,) = withdrawal.request.parties
        if isinstance(approval, Conflict):  # the withdrawal won
            assert (withdrawal.was, party.decision) == ("pending", "pending")
            winners.append("withdraw")
        else:  # the approval won; the withdrawal took back the grant it made
            assert (withdrawal.was, party.decision) == ("active", "approved")
            winners.append("approve")
        assert withdrawal.request.state_at(services.clock()) == "withdrawn"
        assert services.consent.wallet.pending(ZHANG_WEI) == []
        assert services.consent.wallet.grants(ZHANG_WEI) == []
    assert winners[-2:] == ["approve", "approve"], winners
    assert len(winners) == RACES


def test_withdrawing_needs_the_request_scope(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    """The same authentication as POST /consent/requests: a token for pulls only, or
    none, withdraws nothing."""
    mint_spouses(client, admin_headers)
    _, _, request_id = requested(client, services)
    puller, secret = services.clients.add(
        "调取服务", PUBLIC_SECURITY, ("birth_registration",), "client_secret_basic"
    )
    assert secret is not None
    token = services.clients.token(
        "client_credentials", "consent:pull", basic=(puller.client_id, secret)
    )
    pull_only = {"Authorization": f"Bearer {token.access_token}"}
    assert_error(_withdraw(client, pull_only, request_id), 403, "insufficient_scope")
    assert _withdraw(client, {}, request_id).status_code == 401
    listed = client.get("/wallet/consent/requests", headers=login(client, LI_NA)).json()
    assert [r["id"] for r in listed] == [request_id]
