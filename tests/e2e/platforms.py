"""Regional platforms for real: ``elicense serve --demo`` processes on loopback ports,
each standing for one province's platform (the Jiangsu and the Zhejiang one in the
跨省互认 tests).

Each has its own data: its own SQLite file and data directory under the root it is
given, its own master key, admin token and public base URL, and so its own trust
anchors and issuer keys (all are seeded with the same sample issuers, under different
keys). They use SQLite files whatever the run's backend: on the PostgreSQL CI run the
``database_url`` fixture gives one database per test, and two servers need two.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.demo_server import ELICENSE, HOST, free_port
from wallet.server import demo

STARTUP_TIMEOUT_S = 60
HTTP_TIMEOUT_S = 10
JS_TRANSPORT = "11320000000000005P"  # 江苏省交通运输厅
ZJ_TRANSPORT = "11330000000000003M"  # 浙江省交通运输厅
SH_POLICE = "113100000000000017"  # 上海市公安局: Shanghai's anchor is not configured
CERTIFICATES: list[dict[str, Any]] = demo.load_json("certificates.json")


@dataclass
class Server:
    """One running platform: its base URL, its admin token, its process and log."""

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


def start(name: str, root: Path, **settings: str) -> Server:
    """``elicense serve --demo`` for ``name`` under ``root``; ``settings`` are more
    ``ELICENSE_*`` variables."""
    root.mkdir()
    port = free_port()
    base = f"http://{HOST}:{port}"
    token = secrets.token_urlsafe(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env["ELICENSE_RATE_LIMITS"] = os.environ.get("ELICENSE_RATE_LIMITS", "{}")  # tests/conftest
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
