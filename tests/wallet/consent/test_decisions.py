"""The citizen's side: preview, approve, deny, revoke; both spouses must approve; a
guardian acts for a minor only with proof; a delegate approves only delegated types;
parallel uses never pass max_uses."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from issuers.errors import ConsentPending, GrantExhausted, GrantRevoked
from issuers.store.database import write_transaction
from tests.app_fixtures import FixedClock
from tests.helpers import CHEN_QIANG, LI_NA, ZHANG_WEI, assert_error, sample
from tests.wallet.citizens import login, mint
from tests.wallet.consent.consent_calls import decide, made, service_headers
from wallet.accounts.service import AccountService
from wallet.consent.records import NoSharePreparer
from wallet.server.wiring import Services

ZHANG_HAO = "310104201605200318"  # 张浩, born 2016: a minor
MARRIAGE_ASK = {"marriage": ["certificate_number", "party_a"]}


@pytest.fixture(autouse=True)
def _consent_only(services: Services) -> None:
    """These tests prove the consent rules; the shares the preparer issues at approval
    (holder keys, SD-JWT VCs) are the shares feature's, tested there."""
    services.consent.use_preparer(NoSharePreparer())


def _pull_state(services: Services, request_id: str, client_id: str) -> object:
    with write_transaction(services.engine) as conn:
        try:
            return services.consent.grant_for_pull(conn, request_id, client_id, services.clock())
        except Exception as error:  # noqa: BLE001 - the test compares the typed error
            return error


def test_both_spouses_must_approve_and_one_revocation_stops_it_for_both(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    mint(client, admin_headers, "marriage")
    client_id, service = service_headers(services)
    request_id = made(client, service, {ZHANG_WEI: MARRIAGE_ASK, LI_NA: MARRIAGE_ASK})
    zhang, li = login(client, ZHANG_WEI), login(client, LI_NA)

    listed = client.get("/wallet/consent/requests", headers=li).json()
    assert [r["id"] for r in listed] == [request_id]
    preview = client.get(f"/wallet/consent/requests/{request_id}", headers=li).json()
    assert preview["service_name"] == "出生登记服务"
    assert preview["item"]["name_zh"] == "出生登记"
    (mine,) = preview["mine"]
    (shared,) = mine["certificates"]
    fields = sample("marriage")["fields"]
    assert list(shared["values"]) == MARRIAGE_ASK["marriage"]  # exactly the asked claims
    assert shared["values"]["certificate_number"] == fields["certificate_number"]
    assert fields["party_a"].items() <= shared["values"]["party_a"].items()

    first = decide(client, zhang, request_id)
    assert first.status_code == 200, first.text
    pending = _pull_state(services, request_id, client_id)
    assert isinstance(pending, ConsentPending)
    assert ZHANG_WEI not in pending.message
    assert LI_NA not in pending.message
    seen = client.get(f"/consent/requests/{request_id}", headers=service).json()
    assert (seen["state"], seen["approved"], seen["parties"]) == ("pending", 1, 2)

    assert decide(client, li, request_id).status_code == 200
    grant = _pull_state(services, request_id, client_id)
    assert not isinstance(grant, Exception)
    assert [g["id"] for g in client.get("/wallet/consent/grants", headers=zhang).json()] == [
        request_id
    ]

    assert decide(client, li, request_id, "revoke").status_code == 200
    assert isinstance(_pull_state(services, request_id, client_id), GrantRevoked)
    assert client.get("/wallet/consent/grants", headers=zhang).json() == []


def test_a_citizen_not_named_sees_and_decides_nothing(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    mint(client, admin_headers, "marriage")
    _, service = service_headers(services)
    request_id = made(client, service, {ZHANG_WEI: MARRIAGE_ASK})
    chen = login(client, CHEN_QIANG)
    assert client.get("/wallet/consent/requests", headers=chen).json() == []
    missing = client.get("/wallet/consent/requests/no-such-id", headers=chen)
    assert_error(missing, 404, "not_found")
    theirs = client.get(f"/wallet/consent/requests/{request_id}", headers=chen)
    assert theirs.json() == missing.json()
    assert_error(decide(client, chen, request_id), 404, "not_found")
    assert_error(decide(client, chen, request_id, "deny"), 404, "not_found")
    assert_error(decide(client, chen, request_id, "revoke"), 404, "not_found")


def test_a_denial_ends_the_request_for_everyone(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    _, service = service_headers(services)
    request_id = made(client, service, {ZHANG_WEI: MARRIAGE_ASK, LI_NA: MARRIAGE_ASK})
    assert decide(client, login(client, LI_NA), request_id, "deny").status_code == 200
    assert_error(decide(client, login(client, ZHANG_WEI), request_id), 409, "conflict")


def test_approval_without_a_certificate_of_an_asked_type_is_refused_naming_it(
    client: TestClient, services: Services, accounts: AccountService
) -> None:
    _, service = service_headers(services)
    request_id = made(client, service, {ZHANG_WEI: {"resident_id": ["name"]}})
    response = decide(client, login(client, ZHANG_WEI), request_id)
    assert_error(response, 409, "certificate_missing", "certificates.resident_id")


def test_a_parent_approves_for_a_minor_with_proof_and_a_stranger_cannot(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    mint(client, admin_headers, "household_register")  # 张伟 户主, 张浩 子: the proof
    _, service = service_headers(services)
    asks = {"household_register": ["household_number", "address"]}
    request_id = made(client, service, {ZHANG_HAO: asks}, item="medical_insurance_enrolment")
    chen, zhang = login(client, CHEN_QIANG), login(client, ZHANG_WEI)

    refused = decide(client, chen, request_id, on_behalf_of=ZHANG_HAO)
    assert_error(refused, 403, "relation_unproven", "on_behalf_of")

    listed = client.get("/wallet/consent/requests", headers=zhang).json()
    assert [r["id"] for r in listed] == [request_id]
    assert listed[0]["mine"][0]["acting_as"] == "guardian"
    approved = decide(client, zhang, request_id, on_behalf_of=ZHANG_HAO)
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "active"


def test_a_guardian_needs_a_valid_certificate_as_proof(
    client: TestClient, services: Services, accounts: AccountService
) -> None:
    _, service = service_headers(services)
    asks = {"household_register": ["household_number"]}
    request_id = made(client, service, {ZHANG_HAO: asks}, item="medical_insurance_enrolment")
    refused = decide(client, login(client, ZHANG_WEI), request_id, on_behalf_of=ZHANG_HAO)
    assert_error(refused, 403, "relation_unproven", "on_behalf_of")


def test_a_delegate_approves_the_delegated_type_only_and_the_owner_sees_the_use(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:  # fmt: skip
    mint(client, admin_headers, "resident_id")
    mint(client, admin_headers, "marriage")
    zhang, li = login(client, ZHANG_WEI), login(client, LI_NA)
    body = {
        "delegate_id_number": LI_NA,
        "type_slug": "resident_id",
        "bundle_item": "birth_registration",
        "expires_at": (clock.now + timedelta(days=30)).isoformat(),
    }
    given = client.post("/wallet/delegations", json=body, headers=zhang)
    assert given.status_code == 201, given.text
    delegation_id = given.json()["id"]
    assert [d["id"] for d in client.get("/wallet/delegations", headers=li).json()["received"]] == [
        delegation_id
    ]

    _, service = service_headers(services)
    wider = made(client, service, {ZHANG_WEI: {"resident_id": ["name"], **MARRIAGE_ASK}})
    assert_error(decide(client, li, wider, on_behalf_of=ZHANG_WEI), 403, "relation_unproven")
    assert_error(
        decide(client, li, wider, "deny", on_behalf_of=ZHANG_WEI), 403, "relation_unproven"
    )

    request_id = made(client, service, {ZHANG_WEI: {"resident_id": ["name", "id_number"]}})
    listed = client.get("/wallet/consent/requests", headers=li).json()
    assert [r["id"] for r in listed] == [request_id]
    approved = decide(client, li, request_id, on_behalf_of=ZHANG_WEI)
    assert approved.status_code == 200, approved.text
    kinds = [e.kind for e in services.audit.entries_for(ZHANG_WEI)]
    assert "delegation_used" in kinds
    assert "delegation_granted" in kinds

    assert_error(
        client.post(f"/wallet/delegations/{delegation_id}/revoke", headers=li), 404, "not_found"
    )
    revoked = client.post(f"/wallet/delegations/{delegation_id}/revoke", headers=zhang)
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    later = made(client, service, {ZHANG_WEI: {"resident_id": ["name"]}})
    assert_error(decide(client, li, later, on_behalf_of=ZHANG_WEI), 403, "relation_unproven")


@pytest.mark.parametrize("max_uses", [3])
def test_parallel_uses_never_pass_max_uses(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str],
    max_uses: int,
) -> None:  # fmt: skip
    mint(client, admin_headers, "marriage")
    client_id, service = service_headers(services)
    request_id = made(client, service, {ZHANG_WEI: MARRIAGE_ASK}, max_uses=max_uses)
    assert decide(client, login(client, ZHANG_WEI), request_id).status_code == 200
    taken: list[bool] = []
    barrier = threading.Barrier(8)

    def pull() -> None:
        barrier.wait()
        try:
            with write_transaction(services.engine) as conn:
                services.consent.grant_for_pull(conn, request_id, client_id, services.clock())
                services.consent.take_use(conn, request_id)
            taken.append(True)
        except GrantExhausted:
            taken.append(False)

    threads = [threading.Thread(target=pull) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(True) == max_uses
    assert len(taken) == 8
    assert (
        client.get(f"/consent/requests/{request_id}", headers=service).json()["state"]
        == "exhausted"
    )


def test_the_services_view_names_nobody_who_approved_or_held_out(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    """Issue 10 item 3: a pending grant names nobody. Whichever spouse approved, or
    which one denied, the service reads the same view: the state and counts only."""
    mint(client, admin_headers, "marriage")
    _, service = service_headers(services)
    zhang, li = login(client, ZHANG_WEI), login(client, LI_NA)
    both = {ZHANG_WEI: MARRIAGE_ASK, LI_NA: MARRIAGE_ASK}
    first, second, third, fourth = (made(client, service, both, nonce="n") for _ in range(4))
    assert decide(client, zhang, first).status_code == 200
    assert decide(client, li, second).status_code == 200
    assert decide(client, zhang, third, "deny").status_code == 200
    assert decide(client, li, fourth, "deny").status_code == 200

    def seen(request_id: str) -> dict[str, object]:
        body = client.get(f"/consent/requests/{request_id}", headers=service).json()
        assert isinstance(body, dict)
        return {k: v for k, v in body.items() if k not in ("id", "created_at")}

    assert seen(first) == seen(second)
    assert (seen(first)["state"], seen(first)["parties"], seen(first)["approved"]) == (
        "pending", 2, 1,
    )  # fmt: skip
    assert seen(third) == seen(fourth)
    assert (seen(third)["state"], seen(third)["approved"]) == ("denied", 0)


def test_revoking_a_delegation_revokes_the_grants_its_delegate_approved(
    client: TestClient, services: Services, accounts: AccountService, admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:  # fmt: skip
    """The owner withdraws what they let the delegate do: every grant the delegate
    approved under it, active or still awaiting another party, stops at once; a grant
    the owner approved himself is untouched."""
    mint(client, admin_headers, "resident_id")
    mint(client, admin_headers, "marriage")
    zhang, li = login(client, ZHANG_WEI), login(client, LI_NA)
    body = {
        "delegate_id_number": LI_NA,
        "type_slug": "resident_id",
        "expires_at": (clock.now + timedelta(days=30)).isoformat(),
    }
    given = client.post("/wallet/delegations", json=body, headers=zhang)
    assert given.status_code == 201, given.text
    client_id, service = service_headers(services)
    id_card = {"resident_id": ["name"]}
    active = made(client, service, {ZHANG_WEI: id_card})
    waiting = made(client, service, {ZHANG_WEI: id_card, LI_NA: MARRIAGE_ASK})
    own = made(client, service, {ZHANG_WEI: id_card})
    assert decide(client, li, active, on_behalf_of=ZHANG_WEI).status_code == 200
    assert decide(client, li, waiting, on_behalf_of=ZHANG_WEI).status_code == 200
    assert decide(client, zhang, own).status_code == 200
    assert not isinstance(_pull_state(services, active, client_id), Exception)

    revoked = client.post(f"/wallet/delegations/{given.json()['id']}/revoke", headers=zhang)
    assert revoked.status_code == 200, revoked.text
    assert isinstance(_pull_state(services, active, client_id), GrantRevoked)
    assert isinstance(_pull_state(services, waiting, client_id), GrantRevoked)
    assert not isinstance(_pull_state(services, own, client_id), Exception)
    assert_error(decide(client, li, waiting), 409, "conflict")
    entries = [e for e in services.audit.entries_for(ZHANG_WEI) if e.kind == "grant_revoked"]
    assert sorted(e.grant_id or "" for e in entries) == sorted([active, waiting])
    assert {e.summary.get("reason") for e in entries} == {"delegation revoked"}
    assert {e.grant_id for e in services.audit.entries_for(LI_NA)} >= {active, waiting}
