"""``/admin/clients`` (issuer administration token) and ``require_client`` on a route."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from issuers.api.provided import provide
from tests.wallet.clients.client_calls import HUKOU_USCC, add_basic_client, basic_token
from wallet.clients.api import require_client
from wallet.clients.records import AuthenticatedClient
from wallet.server.app import services_of
from wallet.server.error_handlers import install_error_handlers

NEW = {"name": "医保中心", "uscc": HUKOU_USCC, "bundle_items": ["medical_insurance_enrolment"]}
ROUTES = [
    ("post", "/admin/clients", NEW),
    ("get", "/admin/clients", None),
    ("get", "/admin/clients/xuhui-hukou", None),
    ("post", "/admin/clients/xuhui-hukou/disable", None),
    ("post", "/admin/clients/xuhui-hukou/rotate-secret", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize("token", [None, "citizen-or-wrong-token"])
def test_admin_routes_need_the_admin_token(
    client: TestClient, app: FastAPI, method: str, path: str, body: object, token: str | None
) -> None:
    add_basic_client(services_of(app).clients)
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert services_of(app).clients.get("xuhui-hukou").disabled is False


def test_admin_lifecycle(client: TestClient, admin_headers: dict[str, str]) -> None:
    created = client.post("/admin/clients", json=NEW, headers=admin_headers)
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    client_id, secret = body["client"]["client_id"], body["client_secret"]
    assert client_id.startswith("svc_")
    assert len(secret) >= 43
    assert basic_token(client, client_id, secret)
    listed = client.get("/admin/clients", headers=admin_headers).json()
    assert [c["client_id"] for c in listed] == [client_id]
    assert secret not in str(listed)
    assert "argon2" not in str(listed)
    rotated = client.post(f"/admin/clients/{client_id}/rotate-secret", headers=admin_headers)
    assert rotated.status_code == 200
    assert basic_token(client, client_id, rotated.json()["client_secret"])
    disabled = client.post(f"/admin/clients/{client_id}/disable", headers=admin_headers)
    assert disabled.json()["disabled"] is True
    assert client.get(f"/admin/clients/{client_id}", headers=admin_headers).json()["disabled"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"uscc": HUKOU_USCC[:-1] + "M"}, 422, "uscc"),
        ({"bundle_items": ["no_such_item"]}, 422, "bundle_items.0"),
        ({"client_id": "Bad_Id"}, 422, "client_id"),
        ({"auth_method": "private_key_jwt"}, 422, "public_jwk"),
        ({"scopes": ["consent:pull"]}, 422, "scopes"),  # unknown: refused, not ignored
        ({"disabled": True}, 422, "disabled"),
    ],
)
def test_admin_refuses_bad_registrations(
    client: TestClient,
    admin_headers: dict[str, str],
    change: dict[str, object],
    status: int,
    field: str,
) -> None:
    response = client.post("/admin/clients", json={**NEW, **change}, headers=admin_headers)
    assert response.status_code == status
    assert field in response.json()["error"]["field"]


def test_admin_unknown_and_taken_ids(client: TestClient, admin_headers: dict[str, str]) -> None:
    for path in ("/admin/clients/nobody", "/admin/clients/nobody/disable"):
        method = "get" if path.endswith("nobody") else "post"
        assert client.request(method, path, headers=admin_headers).status_code == 404
    taken = {**NEW, "client_id": "yibao"}
    assert client.post("/admin/clients", json=taken, headers=admin_headers).status_code == 201
    again = client.post("/admin/clients", json=taken, headers=admin_headers)
    assert again.status_code == 409


Puller = Annotated[AuthenticatedClient, Depends(require_client("consent:pull"))]


@pytest.fixture
def guarded(app: FastAPI) -> TestClient:
    """A route guarded as the consent routes are: ``require_client("consent:pull")``."""
    probe = FastAPI()
    provide(probe, services_of(app).clients)
    install_error_handlers(probe)

    @probe.get("/probe")
    def who(client: Puller) -> dict[str, str]:
        return {"client_id": client.client.client_id}

    return TestClient(probe)


def test_require_client(client: TestClient, app: FastAPI, guarded: TestClient) -> None:
    clients = services_of(app).clients
    secret = add_basic_client(clients)
    pull = basic_token(client, "xuhui-hukou", secret, scope="consent:pull")
    request_only = basic_token(client, "xuhui-hukou", secret, scope="consent:request")
    ok = guarded.get("/probe", headers={"Authorization": f"Bearer {pull}"})
    assert ok.json() == {"client_id": "xuhui-hukou"}
    missing = guarded.get("/probe")
    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, "Bearer")
    bad = guarded.get("/probe", headers={"Authorization": "Bearer " + pull[::-1]})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_token"
    scope = guarded.get("/probe", headers={"Authorization": f"Bearer {request_only}"})
    assert scope.status_code == 403
    assert scope.json()["error"]["code"] == "insufficient_scope"
    clients.disable("xuhui-hukou")
    gone = guarded.get("/probe", headers={"Authorization": f"Bearer {pull}"})
    assert gone.json()["error"]["code"] == "invalid_token"
