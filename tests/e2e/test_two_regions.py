"""跨省互认 for real: a Jiangsu inspector verifies a Zhejiang permit with no network.

Two ``elicense serve --demo`` processes on loopback ports stand for the Jiangsu and
the Zhejiang platforms. Each has its own data: its own SQLite file and data directory
in ``tmp_path``, its own master key, admin token and public base URL, and so its own
trust anchors and issuer keys (both are seeded with the same sample issuers, under
different keys). The servers use SQLite files in ``tmp_path`` whatever the run's
backend: on the PostgreSQL CI run the ``database_url`` fixture gives one database per
test, and two servers need two.

The inspector's anchors are Jiangsu's for 320000 (from the Jiangsu server) and
Zhejiang's for 330000 (from the Zhejiang server), read from ``GET /trust/anchors`` in
the setup, which stands in for out-of-band distribution. ``sync`` then runs over real
HTTP with the default stdlib fetch, and every verdict comes from the cache alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.platforms import (
    ELICENSE,
    JS_TRANSPORT,
    SH_POLICE,
    STARTUP_TIMEOUT_S,
    ZJ_TRANSPORT,
    Server,
    start,
    stop,
    wait_ready,
)
from verifiers.offline import OfflineVerifier, SyncReport, load_anchors, sync, verify_offline
from verifiers.verdict import Verdict

pytestmark = pytest.mark.slow


@pytest.fixture
def regions(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """The Jiangsu and the Zhejiang platform, started side by side."""
    assert ELICENSE.is_file(), f"console script not installed at {ELICENSE}"
    started: list[Server] = []
    try:
        for name in ("jiangsu", "zhejiang"):
            started.append(start(name, tmp_path / name))
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        for server in started:
            wait_ready(server, deadline)
        yield started[0], started[1]
    finally:
        for server in started:
            stop(server)


def outcome(report: SyncReport, server: Server, kind: str, name: str) -> tuple[str, str | None]:
    [item] = [
        i for i in report.items if i.server == server.base and (i.kind, i.name) == (kind, name)
    ]
    return item.outcome, item.code


def verify(cache: Path, anchors: list[Path], qr: str) -> Verdict:
    """Offline, against the configured anchor files (never anything in the cache)."""
    now = datetime.now(UTC)
    verifier = OfflineVerifier.load(cache, anchors=load_anchors(anchors), now=now)
    return verify_offline(qr, verifier, now)


def test_jiangsu_inspector_verifies_zhejiang_permits_offline(
    regions: tuple[Server, Server], tmp_path: Path
) -> None:
    jiangsu, zhejiang = regions
    anchors = [
        jiangsu.anchor_file("320000", tmp_path / "js-anchor.json"),
        zhejiang.anchor_file("330000", tmp_path / "zj-anchor.json"),
    ]
    zj_permit = zhejiang.mint(ZJ_TRANSPORT, "road_transport_permit")
    js_permit = jiangsu.mint(JS_TRANSPORT, "road_transport_permit")
    sh_id = zhejiang.mint(SH_POLICE, "resident_id")  # Shanghai: no configured anchor
    # 浙江省交通运输厅 as the *Jiangsu* server registers it: a key only Jiangsu's
    # unconfigured 330000 anchor vouches for.
    impostor = jiangsu.mint(ZJ_TRANSPORT, "road_transport_permit")
    cache = tmp_path / "inspector-cache"
    servers = [jiangsu.base, zhejiang.base]

    report = sync(servers, cache, anchors, now=datetime.now(UTC))
    assert report.of("failed") == [], report.to_dict()
    assert outcome(report, jiangsu, "trust_list", "320000") == ("stored", None)
    assert outcome(report, zhejiang, "trust_list", "330000") == ("stored", None)
    for region in ("310000", "330000"):
        assert outcome(report, jiangsu, "trust_list", region) == (
            "skipped",
            "anchor_not_configured",
        )
    zj_uri = f"{zhejiang.base}/status/{ZJ_TRANSPORT}/1"
    assert outcome(report, zhejiang, "status_list", zj_uri) == ("stored", None)
    assert outcome(report, jiangsu, "status_list", f"{jiangsu.base}/status/{JS_TRANSPORT}/1") == (
        "stored",
        None,
    )
    sh_uri = f"{zhejiang.base}/status/{SH_POLICE}/1"
    assert outcome(report, zhejiang, "status_list", sh_uri) == ("skipped", "unknown_key")

    # From here on, no network: the verdicts come from the cache directory.
    for qr in (zj_permit["qr"], js_permit["qr"]):
        verdict = verify(cache, anchors, qr)
        assert verdict.valid, verdict
        assert verdict.offline
        assert verdict.status_checked
        assert verdict.data_age_seconds is not None
        assert 0 <= verdict.data_age_seconds < 120
    credential = verify(cache, anchors, zj_permit["qr"]).credential
    assert credential is not None
    assert credential.issuer.region_name == "浙江省"
    for qr in (sh_id["qr"], impostor["qr"]):
        verdict = verify(cache, anchors, qr)
        assert not verdict.valid
        assert verdict.code in ("unknown_key", "untrusted_issuer"), verdict

    zhejiang.revoke(ZJ_TRANSPORT, zj_permit["identifier"])
    assert verify(cache, anchors, zj_permit["qr"]).valid  # offline: the cache has not heard yet
    report = sync(servers, cache, anchors, now=datetime.now(UTC))
    assert report.of("failed") == [], report.to_dict()
    assert outcome(report, zhejiang, "status_list", zj_uri) == ("stored", None)
    revoked = verify(cache, anchors, zj_permit["qr"])
    assert not revoked.valid
    assert revoked.code == "revoked"
    assert verify(cache, anchors, js_permit["qr"]).valid
