"""What the consent tests share: a service client with a bearer token, a request made
over HTTP, and the citizen's calls. Not a test module: test modules import it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import PUBLIC_SECURITY
from wallet.server.wiring import Services

NEWBORN_ITEMS = ("birth_registration", "medical_insurance_enrolment", "social_security_card")


def service_headers(
    services: Services, name: str = "出生登记服务", items: tuple[str, ...] = NEWBORN_ITEMS
) -> tuple[str, dict[str, str]]:
    """A new service client (client_secret_basic) and its bearer token's headers."""
    client, secret = services.clients.add(name, PUBLIC_SECURITY, items, "client_secret_basic")
    assert secret is not None
    token = services.clients.token(
        "client_credentials", "consent:request consent:pull", basic=(client.client_id, secret)
    )
    return client.client_id, {"Authorization": f"Bearer {token.access_token}"}


def ask(
    client: TestClient,
    headers: dict[str, str],
    holders: dict[str, dict[str, list[str]]],
    *,
    item: str = "birth_registration",
    **extra: Any,
) -> Any:
    """``POST /consent/requests`` naming ``holders`` (id number -> type -> claims)."""
    body = {
        "holders": [{"id_number": code, "certificates": asks} for code, asks in holders.items()],
        "purpose": "新生儿出生登记",
        "bundle_item": item,
        "expires_in": 7 * 24 * 3600,
        "max_uses": 3,
        **extra,
    }
    return client.post("/consent/requests", json=body, headers=headers)


def made(client: TestClient, headers: dict[str, str], holders: dict[str, Any], **kw: Any) -> str:
    response = ask(client, headers, holders, **kw)
    assert response.status_code == 201, response.text
    request_id: str = response.json()["id"]
    return request_id


def decide(
    client: TestClient, headers: dict[str, str], request_id: str, verb: str = "approve",
    **body: Any,
) -> Any:  # fmt: skip
    path = "grants" if verb == "revoke" else "requests"
    return client.post(f"/wallet/consent/{path}/{request_id}/{verb}", json=body, headers=headers)
