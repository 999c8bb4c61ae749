"""The demo's service clients: seeded once, usable with their published secrets."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.wallet.clients.client_calls import basic_token
from wallet.server import demo
from wallet.server.app import services_of


def test_demo_clients_are_seeded_once_and_work(client: TestClient, app: FastAPI) -> None:
    clients = services_of(app).clients
    assert demo.seed_clients(clients) == len(demo.DEMO_CLIENTS) == 4
    assert demo.seed_clients(clients) == 0
    for client_id, (_, _, items, secret) in demo.DEMO_CLIENTS.items():
        assert clients.get(client_id).bundle_items == items
        assert clients.authenticate_bearer(basic_token(client, client_id, secret))
