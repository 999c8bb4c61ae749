"""Authorisation requests as a service makes them: checked against the bundle item,
readable by the service that made them only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import LI_NA, ZHANG_WEI, assert_error
from tests.wallet.consent.consent_calls import ask, made, service_headers
from wallet.server.wiring import Services

MARRIAGE_ASK = {"marriage": ["certificate_number", "party_a", "party_b"]}


def test_a_request_is_made_and_read_back_by_its_service(
    client: TestClient, services: Services
) -> None:
    _, headers = service_headers(services)
    response = ask(client, headers, {ZHANG_WEI: MARRIAGE_ASK, LI_NA: MARRIAGE_ASK}, nonce="n-1")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "pending"
    assert (body["parties"], body["approved"]) == (2, 0)  # counts only, naming nobody
    assert body["nonce"] == "n-1"
    assert len(body["id"]) >= 22  # >= 128 random bits, url-safe
    assert ZHANG_WEI not in response.text
    assert LI_NA not in response.text
    again = client.get(f"/consent/requests/{body['id']}", headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]


def test_another_service_gets_not_found_as_for_a_missing_request(
    client: TestClient, services: Services
) -> None:
    _, x = service_headers(services, "服务X")
    _, y = service_headers(services, "服务Y")
    request_id = made(client, x, {ZHANG_WEI: MARRIAGE_ASK})
    theirs = client.get(f"/consent/requests/{request_id}", headers=y)
    missing = client.get("/consent/requests/no-such-request-id-at-all", headers=y)
    assert_error(theirs, 404, "not_found")
    assert theirs.json() == missing.json()


def test_without_a_token_the_request_is_refused(client: TestClient) -> None:
    response = client.post("/consent/requests", json={})
    assert response.status_code == 401


def test_a_type_the_item_does_not_use_is_refused_naming_it(
    client: TestClient, services: Services
) -> None:
    _, headers = service_headers(services)
    response = ask(client, headers, {ZHANG_WEI: MARRIAGE_ASK}, item="social_security_card")
    assert_error(response, 422, "beyond_bundle_item", "holders[0].certificates.marriage")


def test_a_claim_the_item_does_not_allow_is_refused_naming_it(
    client: TestClient, services: Services
) -> None:
    _, headers = service_headers(services)
    asks = {"resident_id": ["name", "id_number", "issuing_authority"]}
    response = ask(client, headers, {LI_NA: {"resident_id": ["name"]}, ZHANG_WEI: asks})
    assert_error(response, 422, "beyond_bundle_item", "holders[1].certificates.resident_id[2]")


def test_an_item_the_service_may_not_serve_is_refused(
    client: TestClient, services: Services
) -> None:
    _, headers = service_headers(services, items=("social_security_card",))
    response = ask(client, headers, {ZHANG_WEI: MARRIAGE_ASK})
    assert_error(response, 422, "beyond_bundle_item", "bundle_item")


def test_bad_holders_purpose_uses_and_expiry_are_refused(
    client: TestClient, services: Services
) -> None:
    _, headers = service_headers(services)
    cases = [
        ({"31010419900315123Y": MARRIAGE_ASK}, {}, "holders[0].id_number"),
        ({ZHANG_WEI: MARRIAGE_ASK}, {"purpose": "   "}, "purpose"),
        ({ZHANG_WEI: MARRIAGE_ASK}, {"purpose": "事" * 201}, "purpose"),
        ({ZHANG_WEI: MARRIAGE_ASK}, {"max_uses": 0}, "max_uses"),
        ({ZHANG_WEI: MARRIAGE_ASK}, {"max_uses": 1001}, "max_uses"),
        ({ZHANG_WEI: MARRIAGE_ASK}, {"expires_in": 91 * 24 * 3600}, "expires_in"),
        ({ZHANG_WEI: MARRIAGE_ASK}, {"expires_in": -1}, "expires_in"),
        ({ZHANG_WEI: MARRIAGE_ASK}, {"nonce": "not a nonce!"}, "nonce"),
        ({ZHANG_WEI: {}}, {}, "holders[0].certificates"),
    ]
    for holders, extra, field in cases:
        response = ask(client, headers, holders, **extra)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["error"].get("field") == field, (field, response.text)
