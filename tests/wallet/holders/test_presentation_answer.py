"""The live presentation's answer, serialised by the route itself (one thread-pool hop
less): the documented fields and types, JSON, and not cached (``Cache-Control:
no-store``, which the router's dependency sets only on answers FastAPI builds)."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from tests.helpers import CHEN_QIANG
from tests.wallet.citizens import login, mint, present
from wallet.accounts.service import AccountService
from wallet.holders.api import PresentationResponse


def test_the_answer_is_the_documented_json_and_never_cached(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")
    response = present(client, login(client, CHEN_QIANG), identifier)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    shown = PresentationResponse.model_validate_json(response.content)
    assert set(response.json()) == set(PresentationResponse.model_fields)
    assert shown.payload.startswith("ELP1:")
    assert shown.qr_svg.startswith("<svg")
    assert isinstance(shown.issued_at, datetime)
    assert shown.expires_at > shown.issued_at
    assert shown.lifetime_seconds == 60


def test_the_openapi_document_still_names_the_answer(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][
        "/wallet/certificates/{identifier}/presentation"
    ]["post"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/PresentationResponse"}
