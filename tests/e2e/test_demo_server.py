"""The README's first run, for real: ``elicense serve --demo`` in a subprocess on a
loopback port, the documented ``elicense mint ... --demo --json`` in another, and
HTTP against the running server.

The server runs with ``cwd=tmp_path`` so ``./var`` (demo master key, admin token)
lands in the test's directory, and with ``ELICENSE_DATABASE_URL`` from the
``database_url`` fixture, so this runs on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import PUBLIC_SECURITY

ELICENSE = Path(sys.executable).with_name("elicense")
HOST = "127.0.0.1"  # loopback only
STARTUP_TIMEOUT_S = 30

# Exactly the README's "Try it" command line.
README_MINT = [
    "mint", "resident_id", "--demo", "--json",
    "--issuer", PUBLIC_SECURITY, "--holder", "31010419900315123X",
    "--field", "name=张伟", "--field", "sex=1", "--field", "ethnicity=01",
    "--field", "birth_date=1990-03-15",
    "--field", "address=上海市徐汇区示范路100弄1号101室",
    "--field", "id_number=31010419900315123X",
    "--field", "issuing_authority=上海市公安局徐汇分局",
]  # fmt: skip

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def demo_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env["ELICENSE_DATABASE_URL"] = database_url
    return env


def cli(tmp_path: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ELICENSE), *argv], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@contextmanager
def running_demo_server(tmp_path: Path, env: dict[str, str], *, workers: int = 1) -> Iterator[str]:
    """``elicense serve --demo --workers N`` in ``tmp_path`` with ``env`` until the block
    ends; yields its base URL once ``/healthz`` answers and every worker has started
    (its log is ``server.log``)."""
    assert ELICENSE.is_file(), f"console script not installed at {ELICENSE}"
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(ELICENSE), "serve", "--demo", "--port", str(port), "--host", HOST,
             "--workers", str(workers)],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"server exited with {server.returncode}:\n{log_path.read_text()}")
            try:
                # With several workers, wait until each has started its application.
                if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200 and (
                    log_path.read_text().count("Application startup complete") >= workers
                ):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"no /healthz within {STARTUP_TIMEOUT_S} s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


@pytest.fixture
def demo_server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A running ``elicense serve --demo``; yields its base URL and the environment."""
    env = demo_env(database_url)
    with running_demo_server(tmp_path, env) as base:
        yield base, env


def post_verify(base: str, qr: str) -> dict[str, Any]:
    response = httpx.post(f"{base}/verify", json={"qr": qr}, timeout=10)
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict


def test_readme_first_run(demo_server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    base, env = demo_server

    # The demo's state is in ./var of the working directory.
    assert (tmp_path / "var" / "demo-master-key").is_file()
    assert (tmp_path / "var" / "demo-admin-token").is_file()

    docs = httpx.get(f"{base}/docs", timeout=10)
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assert "swagger" in docs.text.lower()

    spec = httpx.get(f"{base}/openapi.json", timeout=10).json()
    assert "/verify" in spec["paths"]
    assert "post" in spec["paths"]["/verify"]

    issuers = httpx.get(f"{base}/issuers", timeout=10).json()
    assert len(issuers) == 6
    assert PUBLIC_SECURITY in {issuer["uscc"] for issuer in issuers}

    # Mint through the CLI, as the README does, against the running server's database.
    minted_run = cli(tmp_path, env, *README_MINT)
    assert minted_run.returncode == 0, minted_run.stderr
    minted = json.loads(minted_run.stdout)
    assert minted["qr"].startswith("EL1:")
    assert minted["holder_codes"] == ["31010419900315123X"]

    verdict = post_verify(base, minted["qr"])
    assert verdict["valid"] is True, verdict
    assert verdict["credential"]["identifier"] == minted["identifier"]
    assert verdict["credential"]["fields"]["ethnicity"] == "01"
    assert verdict["credential"]["issuer"]["uscc"] == PUBLIC_SECURITY

    # One character changed: not valid, with a stable code.
    qr = minted["qr"]
    middle = len(qr) // 2
    swapped = BASE45_ALPHABET[(BASE45_ALPHABET.index(qr[middle]) + 1) % 45]
    tampered = post_verify(base, qr[:middle] + swapped + qr[middle + 1 :])
    assert tampered["valid"] is False
    assert tampered["code"], tampered
    assert tampered["credential"] is None

    # The rest of the README's walk: CLI verify, QR image, verify the image.
    verified = cli(tmp_path, env, "verify", qr, "--demo")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("VALID 居民身份证")
    rendered = cli(tmp_path, env, "qr", qr, "--out", "cert.png")
    assert rendered.returncode == 0, rendered.stderr
    assert (tmp_path / "cert.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from_image = cli(tmp_path, env, "verify", "cert.png", "--demo")
    assert from_image.returncode == 0, from_image.stderr


def test_demo_admin_token_guards_http_minting(
    demo_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, _ = demo_server
    token = (tmp_path / "var" / "demo-admin-token").read_text().strip()
    fields = {
        "name": "王芳", "sex": 2, "ethnicity": "03", "birth_date": "1985-11-23",
        "address": "浙江省杭州市西湖区示范街8号", "id_number": "330106198511233823",
        "issuing_authority": "上海市公安局徐汇分局",
    }  # fmt: skip
    url = f"{base}/issuers/{PUBLIC_SECURITY}/certificates"
    body = {"type": "resident_id", "fields": fields}

    refused = httpx.post(url, json=body, timeout=10)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"

    minted = httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert minted.status_code == 201, minted.text
    assert post_verify(base, minted.json()["qr"])["valid"] is True
