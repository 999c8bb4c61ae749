"""The README's first run, for real: ``elicense serve --demo`` in a subprocess on a
loopback port, the documented ``elicense mint ... --demo --json`` in another, and
HTTP against the running server.

The server runs with ``cwd=tmp_path`` so ``./var`` (demo master key, admin token)
lands in the test's directory, and with ``ELICENSE_DATABASE_URL`` from the
``database_url`` fixture, so this runs on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.e2e.demo_server import README_MINT, cli, post_verify
from tests.helpers import PUBLIC_SECURITY

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


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
    assert len(issuers) == 12
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
