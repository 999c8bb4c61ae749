"""A cached status list's age comes from what its issuer signed (``iat``, ``ttl``,
``exp``), never from the cache's unsigned ``.meta.json`` sidecar: editing ``fetched_at``
must not make an old list for a since-revoked certificate read as fresh.

Built as in :mod:`tests.verifiers.offline_world` (in memory, injected clock).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.verifiers.offline_world import (
    NOW,
    TTL,
    VALID_IDX,
    ZJ_TRANSPORT,
    ZJ_URI,
    check,
    credential,
    fill_cache,
    status_list,
)
from verifiers.offline import cache as cache_module


def test_editing_fetched_at_does_not_make_an_old_list_fresh(tmp_path: Path) -> None:
    """The list was signed at NOW, when the permit was still valid (since revoked at
    the issuer). Twelve minutes later (ttl 300 s) someone rewrites the sidecar."""
    qr = credential(ZJ_TRANSPORT, VALID_IDX)
    cache = fill_cache(tmp_path)
    later = NOW + timedelta(minutes=12)
    meta_path = cache_module._meta_path(cache._status_path(ZJ_URI))
    meta = json.loads(meta_path.read_text())
    meta["fetched_at"] = later.isoformat()
    meta_path.write_text(json.dumps(meta))

    refused = check(tmp_path, qr, later)
    assert (refused.valid, refused.code) == (False, "status_list_expired")
    assert refused.data_age_seconds == 720  # from the list's own iat
    warned = check(tmp_path, qr, later, stale="warn")
    assert warned.valid
    assert any(w.startswith("status_list_stale") for w in warned.warnings), warned.warnings
    assert warned.data_age_seconds == 720


def test_a_list_fetched_late_is_as_old_as_its_iat(tmp_path: Path) -> None:
    """A copy held by a cache in between reaches us old: its ttl runs from its iat."""
    qr = credential(ZJ_TRANSPORT, VALID_IDX)
    fill_cache(tmp_path, fetched_at=NOW + timedelta(seconds=TTL - 10))
    assert check(tmp_path, qr, NOW + timedelta(seconds=TTL)).valid
    stale = check(tmp_path, qr, NOW + timedelta(seconds=TTL + 1))
    assert (stale.valid, stale.code) == (False, "status_list_expired")
    assert "ttl" in (stale.message or "")


def test_a_sidecar_fetched_at_before_the_lists_iat_changes_nothing(tmp_path: Path) -> None:
    qr = credential(ZJ_TRANSPORT, VALID_IDX)
    fill_cache(
        tmp_path,
        fetched_at=NOW - timedelta(days=30),
        status={ZJ_URI: (ZJ_TRANSPORT, status_list(ZJ_URI, ZJ_TRANSPORT, at=NOW))},
    )
    verdict = check(tmp_path, qr, NOW + timedelta(seconds=60))
    assert verdict.valid, verdict
    assert verdict.data_age_seconds == 60
