"""POST /verify takes live presentations (亮证) as well as static QR codes, says which,
and in single-use mode refuses a second scan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuers.crypto.keys import SigningKey
from issuers.errors import HolderBindingMissing, InvalidInput
from issuers.formats.presentation import present
from tests.app_fixtures import FixedClock
from wallet.server import demo
from wallet.server.app import create_app, services_of
from wallet.server.settings import Settings

SAMPLES = demo.load_json("certificates.json")
DRIVER = next(c for c in SAMPLES if c["type"] == "ride_hailing_driver")
PERMIT = next(c for c in SAMPLES if c["type"] == "road_transport_permit")


def _holder_bound(app: Any, holder: SigningKey) -> str:
    minted = services_of(app).issuance.mint(
        "ride_hailing_driver", DRIVER["issuer"], DRIVER["fields"], holder_key=holder.public
    )
    return str(minted.qr)


def _verify(client: TestClient, qr: str) -> dict[str, Any]:
    response = client.post("/verify", json={"qr": qr})
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict


def test_live_and_static_are_told_apart_and_a_screenshot_goes_stale(
    app: Any, client: TestClient, clock: FixedClock
) -> None:
    holder = SigningKey.generate()
    credential = _holder_bound(app, holder)
    static = _verify(client, credential)
    assert static["valid"] is True
    assert static["kind"] == "static"
    assert static["presented_at"] is None

    live = present(credential, holder, now=clock.now)
    verdict = _verify(client, live)
    assert verdict["valid"] is True
    assert verdict["kind"] == "dynamic"
    assert verdict["credential"]["identifier"] == static["credential"]["identifier"]
    assert verdict["expires_at"] is not None

    clock.now += timedelta(minutes=3)  # the screenshot, shown later
    assert _verify(client, live)["code"] == "presentation_stale"


def test_a_presentation_signed_by_someone_else_is_refused(
    app: Any, client: TestClient, clock: FixedClock
) -> None:
    holder = SigningKey.generate()
    credential = _holder_bound(app, holder)
    with pytest.raises(InvalidInput):
        present(credential, SigningKey.generate(), now=clock.now)
    # An operator's permit (held by a USCC, not a person) binds no holder key.
    unbound = services_of(app).issuance.mint(
        "road_transport_permit", PERMIT["issuer"], PERMIT["fields"]
    )
    with pytest.raises(HolderBindingMissing):
        present(unbound.qr, holder, now=clock.now)


@pytest.fixture
def single_use_client(
    settings: Settings, clock: FixedClock, tmp_path: Path
) -> Iterator[tuple[Any, TestClient]]:
    app = create_app(settings.model_copy(update={"single_use_presentations": True}), clock=clock)
    for info in demo.sample_issuers():
        services_of(app).issuance.register_issuer(info)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client
    services_of(app).engine.dispose()


def test_single_use_mode_refuses_a_second_scan(
    single_use_client: tuple[Any, TestClient], clock: FixedClock
) -> None:
    app, client = single_use_client
    holder = SigningKey.generate()
    credential = _holder_bound(app, holder)
    live = present(credential, holder, now=clock.now)
    assert _verify(client, live)["valid"] is True
    assert _verify(client, live)["code"] == "replayed"
    assert _verify(client, present(credential, holder, now=clock.now + timedelta(seconds=1)))[
        "valid"
    ]
    assert _verify(client, credential)["kind"] == "static"  # static QRs are not single-use
