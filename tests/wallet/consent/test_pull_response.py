"""The pull's answer as bytes: the route serialises :class:`PullPublic` itself (no
second thread-pool hand-off for response validation), so these pin what FastAPI's own
path wrote: the model's JSON exactly, ``application/json``, ``no-store``, and the
OpenAPI schema still naming the model."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from tests.wallet.consent.share_calls import approve_all, mint_spouses, pull, requested
from wallet.accounts.service import AccountService
from wallet.consent.api.pull import PullPublic
from wallet.server.wiring import Services


def test_a_pull_answers_the_models_json_uncached(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    mint_spouses(client, admin_headers)
    _, service, grant_id = requested(client, services)
    approve_all(client, grant_id)

    response = pull(client, service, grant_id)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert int(response.headers["content-length"]) == len(response.content)
    model = PullPublic.model_validate_json(response.content)
    assert len(model.shares) == 4
    # What FastAPI writes for a response_model: the TypeAdapter's JSON, by alias.
    assert TypeAdapter(PullPublic).dump_json(model, by_alias=True) == response.content


def test_the_openapi_schema_still_names_the_pull_model(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/consent/grants/{grant_id}/pull"]
    schema = operation["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/PullPublic"}
