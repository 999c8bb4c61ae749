"""``ELICENSE_TRUST_CACHE_DIR``: the app's ``POST /verify`` recognises synced regions.

The cache is the in-memory two-region cache of :mod:`tests.verifiers.offline_world`; the
app's own registry holds the sample issuers under its own keys, so Zhejiang's permit
(signed with the cache's 浙江 key) is known only through the synced lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.app_fixtures import FixedClock
from tests.helpers import client_for
from tests.verifiers.offline_world import (
    NOW,
    REVOKED_IDX,
    SH_POLICE,
    SH_URI,
    TTL,
    VALID_IDX,
    ZJ_TRANSPORT,
    credential,
    fill_cache,
    write_anchors,
)
from wallet.server import demo
from wallet.server.settings import Settings


@pytest.fixture
def synced_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    fill_cache(tmp_path / "trust-cache")
    configured = settings.model_copy(
        update={
            "trust_cache_dir": tmp_path / "trust-cache",
            "trust_anchors": write_anchors(tmp_path / "anchors.json"),
            "stale_policy": "warn",
        }
    )
    yield from client_for(configured, FixedClock(NOW + timedelta(seconds=TTL + 30)))


def test_settings_read_the_cache_dir_and_refuse_an_unknown_stale_policy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ELICENSE_DEMO", "1")
    assert (Settings().trust_cache_dir, Settings().stale_policy) == (None, "refuse")
    monkeypatch.setenv("ELICENSE_TRUST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ELICENSE_TRUST_ANCHORS", str(tmp_path / "anchors.json"))
    monkeypatch.setenv("ELICENSE_STALE_POLICY", "warn")
    assert (Settings().trust_cache_dir, Settings().stale_policy) == (tmp_path / "cache", "warn")
    monkeypatch.setenv("ELICENSE_STALE_POLICY", "ignore")
    with pytest.raises(ValidationError, match="stale_policy"):
        Settings()


def test_verify_recognises_the_synced_region_and_says_how_old_its_data_is(
    synced_client: TestClient, admin_headers: dict[str, str]
) -> None:
    answer = synced_client.post("/verify", json={"qr": credential(ZJ_TRANSPORT, VALID_IDX)})
    assert answer.status_code == 200
    verdict = answer.json()
    assert (verdict["valid"], verdict["status_checked"], verdict["offline"]) == (True, True, False)
    assert verdict["data_age_seconds"] == TTL + 30
    [warning] = verdict["warnings"]  # ELICENSE_STALE_POLICY=warn, and the list is past its ttl
    assert warning.startswith("status_list_stale:")
    revoked = synced_client.post("/verify", json={"qr": credential(ZJ_TRANSPORT, REVOKED_IDX)})
    assert revoked.json()["code"] == "revoked"
    shanghai = synced_client.post("/verify", json={"qr": credential(SH_POLICE, VALID_IDX, SH_URI)})
    assert shanghai.json()["code"] == "unknown_key"

    item = next(c for c in demo.load_json("certificates.json") if c["type"] == "resident_id")
    minted = synced_client.post(
        f"/issuers/{item['issuer']}/certificates",
        json={"type": "resident_id", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert minted.status_code == 201, minted.text
    own = synced_client.post("/verify", json={"qr": minted.json()["qr"]}).json()
    assert (own["valid"], own["status_checked"], own["data_age_seconds"], own["warnings"]) == (
        True,
        True,
        None,  # our own registry: live data
        [],
    )


def test_without_the_setting_only_our_own_registry_counts(client: TestClient) -> None:
    foreign = client.post("/verify", json={"qr": credential(ZJ_TRANSPORT, VALID_IDX)}).json()
    assert (foreign["valid"], foreign["code"], foreign["data_age_seconds"]) == (
        False,
        "unknown_key",
        None,
    )
