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

import base64
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from verifiers.offline import OfflineVerifier, SyncReport, load_anchors, sync, verify_offline
from verifiers.verdict import Verdict
from wallet.server import demo

ELICENSE = Path(sys.executable).with_name("elicense")
HOST = "127.0.0.1"  # loopback only
STARTUP_TIMEOUT_S = 60
HTTP_TIMEOUT_S = 10
JS_TRANSPORT = "11320000000000005P"  # 江苏省交通运输厅
ZJ_TRANSPORT = "11330000000000003M"  # 浙江省交通运输厅
SH_POLICE = "113100000000000017"  # 上海市公安局: Shanghai's anchor is not configured
CERTIFICATES: list[dict[str, Any]] = demo.load_json("certificates.json")

pytestmark = pytest.mark.slow


@dataclass
class Server:
    name: str
    base: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    def mint(self, uscc: str, type_slug: str) -> dict[str, Any]:
        item = next(c for c in CERTIFICATES if c["type"] == type_slug)
        response = httpx.post(
            f"{self.base}/issuers/{uscc}/certificates",
            json={"type": type_slug, "fields": item["fields"]},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=HTTP_TIMEOUT_S,
        )
        assert response.status_code == 201, response.text
        minted: dict[str, Any] = response.json()
        return minted

    def revoke(self, uscc: str, identifier: str) -> None:
        response = httpx.post(
            f"{self.base}/issuers/{uscc}/certificates/{identifier}/status",
            json={"status": "03", "reason": "e2e: 撤销"},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=HTTP_TIMEOUT_S,
        )
        assert response.status_code == 200, response.text

    def anchor_file(self, region: str, path: Path) -> Path:
        """This server's anchor for ``region``, as the inspector would be handed it."""
        response = httpx.get(f"{self.base}/trust/anchors", timeout=HTTP_TIMEOUT_S)
        assert response.status_code == 200, response.text
        [entry] = [a for a in response.json() if a["region_code"] == region]
        path.write_text(json.dumps(entry, ensure_ascii=False), "utf-8")
        return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start(name: str, root: Path, **settings: str) -> Server:
    """``elicense serve --demo`` for ``name`` under ``root``; ``settings`` are more
    ``ELICENSE_*`` variables."""
    root.mkdir()
    port = free_port()
    base = f"http://{HOST}:{port}"
    token = secrets.token_urlsafe(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env.update(
        ELICENSE_DATABASE_URL=f"sqlite:///{root / 'elicense.db'}",
        ELICENSE_DATA_DIR=str(root / "var"),
        ELICENSE_PUBLIC_BASE_URL=base,
        ELICENSE_MASTER_KEY=base64.b64encode(os.urandom(32)).decode(),
        ELICENSE_ADMIN_TOKEN=token,
    )
    env.update(settings)
    log = root / "server.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [str(ELICENSE), "serve", "--demo", "--host", HOST, "--port", str(port)],
            cwd=root, env=env, stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return Server(name, base, token, process, log)


def wait_ready(server: Server, deadline: float) -> None:
    while True:
        if server.process.poll() is not None:
            pytest.fail(
                f"{server.name} exited {server.process.returncode}:\n{server.log.read_text()}"
            )
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.base}/healthz", timeout=1.0).status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(
                f"{server.name}: no /healthz in {STARTUP_TIMEOUT_S} s:\n{server.log.read_text()}"
            )
        time.sleep(0.2)


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


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
