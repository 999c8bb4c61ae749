"""跨省互认 online: the Jiangsu server's ``POST /verify`` recognises a Zhejiang permit.

The same two ``elicense serve --demo`` platforms (:mod:`tests.e2e.platforms`) as in
:mod:`tests.e2e.test_two_regions`, on loopback ports, each with its own data and keys.
The Jiangsu server is started with ``ELICENSE_TRUST_CACHE_DIR`` naming a directory that
is empty at first, and ``ELICENSE_TRUST_ANCHORS`` naming a file (outside it) with
Zhejiang's anchor, handed over out of band (here: read from the Zhejiang server before
Jiangsu starts); the operator then runs ``elicense sync`` into it with Jiangsu's and
Zhejiang's anchors. The Jiangsu server picks up each sync while it runs: the same process
answers before the first sync, after it, and after a second sync that carries a Zhejiang
revocation.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.platforms import (
    ELICENSE,
    HTTP_TIMEOUT_S,
    JS_TRANSPORT,
    SH_POLICE,
    STARTUP_TIMEOUT_S,
    ZJ_TRANSPORT,
    Server,
    start,
    stop,
    wait_ready,
)

RELOAD_TIMEOUT_S = 10  # the server looks at the cache at most once a second
SYNC_TIMEOUT_S = 60

pytestmark = pytest.mark.slow


@pytest.fixture
def platforms(tmp_path: Path) -> Iterator[tuple[Server, Server, Path]]:
    """Jiangsu (recognising what is synced into the returned cache dir, against
    Zhejiang's anchor) and Zhejiang."""
    assert ELICENSE.is_file(), f"console script not installed at {ELICENSE}"
    cache = tmp_path / "jiangsu-trust-cache"
    started: list[Server] = []
    try:
        zhejiang = start("zhejiang", tmp_path / "zhejiang")
        started.append(zhejiang)
        wait_ready(zhejiang, time.monotonic() + STARTUP_TIMEOUT_S)
        anchors = zhejiang.anchor_file("330000", tmp_path / "jiangsu-anchors.json")
        jiangsu = start(
            "jiangsu",
            tmp_path / "jiangsu",
            ELICENSE_TRUST_CACHE_DIR=str(cache),
            ELICENSE_TRUST_ANCHORS=str(anchors),
        )
        started.append(jiangsu)
        wait_ready(jiangsu, time.monotonic() + STARTUP_TIMEOUT_S)
        yield jiangsu, zhejiang, cache
    finally:
        for server in started:
            stop(server)


def verify_at(server: Server, qr: str) -> dict[str, Any]:
    response = httpx.post(f"{server.base}/verify", json={"qr": qr}, timeout=HTTP_TIMEOUT_S)
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict


def eventually(server: Server, qr: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Ask ``server`` until its verdict is ``done`` (a reload takes up to a second)."""
    deadline = time.monotonic() + RELOAD_TIMEOUT_S
    while True:
        verdict = verify_at(server, qr)
        if done(verdict):
            return verdict
        if time.monotonic() > deadline:
            pytest.fail(f"{server.name}: still {verdict} after {RELOAD_TIMEOUT_S} s")
        time.sleep(0.2)


def elicense_sync(servers: list[Server], anchors: list[Path], cache: Path) -> dict[str, Any]:
    argv = [str(ELICENSE), "sync", "--cache", str(cache), "--json"]
    for server in servers:
        argv += ["--server", server.base]
    for anchor in anchors:
        argv += ["--anchor", str(anchor)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=SYNC_TIMEOUT_S, env=env, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary: dict[str, Any] = json.loads(done.stdout)
    assert summary["failed"] == 0, summary
    return summary


def test_jiangsu_server_verifies_zhejiang_permits_online_after_sync(
    platforms: tuple[Server, Server, Path], tmp_path: Path
) -> None:
    jiangsu, zhejiang, cache = platforms
    pid = jiangsu.process.pid
    anchors = [  # Jiangsu's and Zhejiang's only: Shanghai's is not configured
        jiangsu.anchor_file("320000", tmp_path / "js-anchor.json"),
        zhejiang.anchor_file("330000", tmp_path / "zj-anchor.json"),
    ]
    zj_permit = zhejiang.mint(ZJ_TRANSPORT, "road_transport_permit")
    js_permit = jiangsu.mint(JS_TRANSPORT, "road_transport_permit")
    sh_id = zhejiang.mint(SH_POLICE, "resident_id")

    before = verify_at(jiangsu, zj_permit["qr"])  # nothing synced yet
    assert (before["valid"], before["code"]) == (False, "unknown_key")

    elicense_sync([jiangsu, zhejiang], anchors, cache)
    verdict = eventually(jiangsu, zj_permit["qr"], lambda v: v["valid"])
    assert verdict["status_checked"] is True
    assert verdict["offline"] is False
    assert verdict["credential"]["issuer"]["region_name"] == "浙江省"
    assert verdict["data_age_seconds"] is not None
    assert 0 <= verdict["data_age_seconds"] < 120
    assert verdict["warnings"] == []

    own = verify_at(jiangsu, js_permit["qr"])  # Jiangsu's own registry: live, no data age
    assert (own["valid"], own["status_checked"], own["data_age_seconds"]) == (True, True, None)
    unrecognised = verify_at(jiangsu, sh_id["qr"])
    assert (unrecognised["valid"], unrecognised["code"]) == (False, "unknown_key")

    zhejiang.revoke(ZJ_TRANSPORT, zj_permit["identifier"])
    assert verify_at(jiangsu, zj_permit["qr"])["valid"]  # Jiangsu has not synced since
    elicense_sync([jiangsu, zhejiang], anchors, cache)
    revoked = eventually(jiangsu, zj_permit["qr"], lambda v: not v["valid"])
    assert revoked["code"] == "revoked", revoked
    assert revoked["data_age_seconds"] is not None
    assert verify_at(jiangsu, js_permit["qr"])["valid"]
    assert jiangsu.process.poll() is None
    assert jiangsu.process.pid == pid  # the same process throughout: no restart
