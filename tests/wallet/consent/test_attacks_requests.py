"""A hostile service's authorisation requests: every malformed field is a typed 422
naming it, never a 500, and nothing is stored for a refused request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ZHANG_WEI, assert_error
from tests.wallet.consent.consent_calls import ask, service_headers
from wallet.server.wiring import Services

ID_CARD_ASK = {"resident_id": ["name"]}


@pytest.mark.parametrize("seconds", [10**12, -(10**12), 10**18])
def test_an_expiry_beyond_any_date_is_invalid_input_not_a_crash(
    client: TestClient, services: Services, seconds: int
) -> None:
    _, headers = service_headers(services)
    response = ask(client, headers, {ZHANG_WEI: ID_CARD_ASK}, expires_in=seconds)
    assert_error(response, 422, "invalid_input", "expires_in")


@pytest.mark.parametrize(
    "purpose",
    [
        "新生儿\x00出生登记",
        "新生儿\n出生登记",
        "出生登记\u202e记登生出",
        "出生\u200b登记",
        "出生\x1b[2J登记",
    ],
)
def test_a_purpose_with_control_or_format_characters_is_refused(
    client: TestClient, services: Services, purpose: str
) -> None:
    """The purpose is shown to the citizen as the reason to share: a NUL (which
    PostgreSQL text refuses), a line break, an escape, a bidi override or an invisible
    character could hide or reorder what the citizen reads."""
    _, headers = service_headers(services)
    response = ask(client, headers, {ZHANG_WEI: ID_CARD_ASK}, purpose=purpose)
    assert_error(response, 422, "invalid_input", "purpose")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"max_uses": "3"}, "max_uses"),
        ({"max_uses": True}, "max_uses"),
        ({"max_uses": 3.0}, "max_uses"),
        ({"expires_in": "3600"}, "expires_in"),
        ({"max_usage": 3}, "max_usage"),  # a misspelt field is not silently ignored
    ],
)
def test_loosely_typed_or_unknown_fields_are_refused_naming_them(
    client: TestClient, services: Services, extra: dict[str, object], field: str
) -> None:
    _, headers = service_headers(services)
    response = ask(client, headers, {ZHANG_WEI: ID_CARD_ASK}, **extra)
    assert_error(response, 422, "invalid_input", field)


def test_an_unknown_field_of_a_holder_is_refused_naming_it(
    client: TestClient, services: Services
) -> None:
    _, headers = service_headers(services)
    body = {
        "holders": [{"id_number": ZHANG_WEI, "certificates": ID_CARD_ASK, "role": "father"}],
        "purpose": "新生儿出生登记",
        "bundle_item": "birth_registration",
        "expires_in": 3600,
        "max_uses": 1,
    }
    response = client.post("/consent/requests", json=body, headers=headers)
    assert_error(response, 422, "invalid_input", "holders.0.role")
