"""``elicense present`` and ``elicense device`` against a running ``serve --demo``: the
CLI plays the citizen's phone, custodial first, then with a key of its own."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import httpx
import zxingcpp
from PIL import Image

from issuers.formats import presentation
from tests.e2e.demo_server import cli, post_verify
from wallet.server.demo import DEMO_PASSWORD

CHEN_QIANG = "330102197801305178"  # demo citizen holding the ride-hailing driver certificate


def driver_certificate(base: str) -> str:
    login = httpx.post(
        f"{base}/wallet/login",
        json={"id_number": CHEN_QIANG, "password": DEMO_PASSWORD},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    mine = httpx.get(
        f"{base}/wallet/certificates",
        headers={"Authorization": f"Bearer {login.json()['token']}"},
        timeout=10,
    ).json()
    identifier: str = next(c["identifier"] for c in mine if c["type"] == "ride_hailing_driver")
    return identifier


def run(tmp_path: Path, env: dict[str, str], base: str, *argv: str) -> Any:
    return cli(tmp_path, env, *argv[:2], "--server", base, "--id-number", CHEN_QIANG, *argv[2:])


def test_the_cli_presents_custodially_then_as_a_device(
    demo_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = demo_server
    env = {**env, "ELICENSE_PASSWORD": DEMO_PASSWORD}
    identifier = driver_certificate(base)

    shown = run(tmp_path, env, base, "present", identifier, "--out", "live.png")
    assert shown.returncode == 0, shown.stderr
    payload = shown.stdout.strip()
    assert payload.startswith("ELP1:")
    scanned = zxingcpp.read_barcodes(Image.open(tmp_path / "live.png"))
    assert [code.text for code in scanned] == [payload]
    verdict = post_verify(base, payload)
    assert verdict["valid"] is True, verdict
    assert verdict["kind"] == "dynamic"

    registered = run(tmp_path, env, base, "device", "register", "--key", "phone.pem")
    assert registered.returncode == 0, registered.stderr
    assert registered.stdout.startswith("device ")
    assert stat.S_IMODE((tmp_path / "phone.pem").stat().st_mode) == 0o600

    custodial = run(tmp_path, env, base, "present", identifier)
    assert custodial.returncode == 1
    assert "conflict" in custodial.stderr

    nonce = "AAECAwQFBgcICQoLDA0ODw"
    signed = run(tmp_path, env, base, "present", identifier, "--key", "phone.pem", "--nonce", nonce)
    assert signed.returncode == 0, signed.stderr
    device_payload = signed.stdout.strip()
    assert presentation.decode(device_payload).nonce == bytes(range(16))
    verdict = post_verify(base, device_payload)
    assert verdict["valid"] is True, verdict
    assert verdict["kind"] == "dynamic"

    forgotten = run(tmp_path, env, base, "device", "forget")
    assert forgotten.returncode == 0, forgotten.stderr
    assert forgotten.stdout.startswith("custodial ")
    stale_key = run(tmp_path, env, base, "present", identifier, "--key", "phone.pem")
    assert stale_key.returncode == 1
    assert "invalid_input" in stale_key.stderr  # the wallet no longer binds that key


def test_the_cli_reports_a_wrong_password_and_a_foreign_certificate(
    demo_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = demo_server
    identifier = driver_certificate(base)
    wrong = run(
        tmp_path, {**env, "ELICENSE_PASSWORD": "not-the-password"}, base, "present", identifier
    )
    assert wrong.returncode == 1
    assert "unauthorized" in wrong.stderr

    other = cli(
        tmp_path,
        {**env, "ELICENSE_PASSWORD": DEMO_PASSWORD},
        "present", identifier, "--server", base, "--id-number", "31010419900315123X",
    )  # fmt: skip
    assert other.returncode == 1
    assert "not_found" in other.stderr
    assert CHEN_QIANG not in other.stderr + other.stdout
