"""``ELICENSE_TRUST_CACHE_DIR`` online: the server checks the synced lists against
``ELICENSE_TRUST_ANCHORS``, a file outside the cache, never against anything in it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from issuers.errors import InvalidInput
from tests.app_fixtures import FixedClock
from tests.helpers import client_for
from tests.verifiers.offline_world import (
    CONFIGURED,
    NOW,
    VALID_IDX,
    ZJ_TRANSPORT,
    credential,
    fill_cache,
    write_anchors,
)
from tests.verifiers.planted import FAKE_POLICE, plant, resident_id
from verifiers.offline.synced import SyncedCache
from wallet.server.settings import Settings


@pytest.fixture
def planted_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    cache = tmp_path / "trust-cache"
    fill_cache(cache)
    plant(cache)
    configured = settings.model_copy(
        update={"trust_cache_dir": cache, "trust_anchors": write_anchors(tmp_path / "a.json")}
    )
    yield from client_for(configured, FixedClock(NOW + timedelta(seconds=10)))


def test_an_anchor_planted_in_the_synced_cache_is_ignored_online(
    planted_client: TestClient,
) -> None:
    forged = planted_client.post("/verify", json={"qr": resident_id(FAKE_POLICE)}).json()
    assert (forged["valid"], forged["code"]) == (False, "unknown_key")
    genuine = planted_client.post("/verify", json={"qr": credential(ZJ_TRANSPORT, VALID_IDX)})
    assert genuine.json()["valid"] is True


def test_settings_refuse_a_synced_cache_without_anchors_or_with_anchors_inside_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ELICENSE_DEMO", "1")
    monkeypatch.setenv("ELICENSE_TRUST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ELICENSE_TRUST_ANCHORS", raising=False)
    with pytest.raises(ValidationError, match="ELICENSE_TRUST_ANCHORS"):
        Settings()
    monkeypatch.setenv("ELICENSE_TRUST_ANCHORS", str(tmp_path / "cache" / "anchors.json"))
    with pytest.raises(ValidationError, match="inside"):
        Settings()
    monkeypatch.setenv("ELICENSE_TRUST_ANCHORS", str(tmp_path / "anchors.json"))
    assert Settings().trust_anchors == tmp_path / "anchors.json"


def test_an_unusable_anchors_file_is_refused_when_the_server_starts(tmp_path: Path) -> None:
    """What ``verifier_context`` (at app creation) builds the synced cache with."""
    bare = tmp_path / "bare.json"
    bare.write_text('{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}')
    cache = tmp_path / "cache"
    for anchors, message in (
        (tmp_path / "missing.json", "not a readable JSON file"),
        (bare, "region"),
        (cache / "anchors.json", "inside the cache directory"),
        (None, "ELICENSE_TRUST_ANCHORS"),
    ):
        with pytest.raises(InvalidInput, match=message):
            SyncedCache.configured(cache, anchors, clock=FixedClock())
    good = SyncedCache.configured(cache, write_anchors(tmp_path / "a.json"), clock=FixedClock())
    assert good.current().report.anchors == tuple(a.kid for a in CONFIGURED)
