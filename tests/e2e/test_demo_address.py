"""The demo's status references follow the address it is served on (issue 8, item 11).

``elicense serve --demo --port N`` on a random port with a fresh data directory: the
seeded certificates, a certificate minted by the CLI and one minted over HTTP all point
their status references at ``http://127.0.0.1:N``, and the README's ``sync``
walkthrough against that port stores every list (0 failed). Demo data lives in
``./var`` across runs: served again on another port, the same data follows it.
Runs on SQLite and PostgreSQL (``database_url``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims
from tests.e2e.demo_server import (
    README_MINT,
    cli,
    demo_env,
    post_verify,
    running_demo_server,
)
from tests.helpers import LI_NA, PUBLIC_SECURITY, ZHANG_WEI

DEMO_PASSWORD = "demo-password-1"
WANG_FANG_ID = {
    "name": "王芳", "sex": 2, "ethnicity": "03", "birth_date": "1985-11-23",
    "address": "浙江省杭州市西湖区示范街8号", "id_number": "330106198511233823",
    "issuing_authority": "上海市公安局徐汇分局",
}  # fmt: skip


def status_uri(qr: str) -> str:
    claims = CredentialClaims.from_cbor(cose_sign1.decode(qr_envelope.unwrap(qr)).payload)
    assert claims.status is not None
    return claims.status.uri


def wallet_qrs(base: str, id_number: str) -> dict[str, str]:
    """A demo citizen's certificates as their wallet hands them out, by identifier."""
    login = httpx.post(
        f"{base}/wallet/login",
        json={"id_number": id_number, "password": DEMO_PASSWORD},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    listed = httpx.get(f"{base}/wallet/certificates", headers=headers, timeout=10).json()
    qrs = {}
    for item in listed:
        url = f"{base}/wallet/certificates/{item['identifier']}"
        qrs[item["identifier"]] = httpx.get(url, headers=headers, timeout=10).json()["qr"]
    return qrs


def readme_sync(base: str, tmp_path: Path, env: dict[str, str]) -> dict[str, Any]:
    """The README's walkthrough: the demo server's anchors (standing in for anchors
    obtained out of band), then ``elicense sync`` against the demo's port."""
    anchors = tmp_path / "anchors.json"  # GET /trust/anchors saved whole
    anchors.write_text(httpx.get(f"{base}/trust/anchors", timeout=10).text, "utf-8")
    cache = tmp_path / "inspector-cache"
    run = cli(
        tmp_path, env, "sync", "--server", base, "--cache", str(cache),
        "--anchor", str(anchors), "--json",
    )  # fmt: skip
    assert run.returncode == 0, (run.stdout, run.stderr)
    report: dict[str, Any] = json.loads(run.stdout)
    return report


def assert_served_here(base: str, qrs: list[str]) -> None:
    for qr in qrs:
        assert status_uri(qr).startswith(f"{base}/status/"), status_uri(qr)
        verdict = post_verify(base, qr)
        assert verdict["valid"] is True, verdict


def assert_sync_stores_every_list(base: str, tmp_path: Path, env: dict[str, str]) -> None:
    report = readme_sync(base, tmp_path, env)
    assert report["failed"] == 0, report
    status_lists = [i for i in report["items"] if i["kind"] == "status_list"]
    assert status_lists, report
    assert all(i["outcome"] == "stored" for i in status_lists), report
    assert all(i["name"].startswith(f"{base}/status/") for i in status_lists), report


def test_demo_on_a_random_port_points_status_at_that_port(
    database_url: str, tmp_path: Path
) -> None:
    env = demo_env(database_url)
    with running_demo_server(tmp_path, env) as base:
        seeded = list(wallet_qrs(base, LI_NA).values())
        assert len(seeded) >= 3
        minted_run = cli(tmp_path, env, *README_MINT)
        assert minted_run.returncode == 0, minted_run.stderr
        token = (tmp_path / "var" / "demo-admin-token").read_text().strip()
        over_http = httpx.post(
            f"{base}/issuers/{PUBLIC_SECURITY}/certificates",
            json={"type": "resident_id", "fields": WANG_FANG_ID},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert over_http.status_code == 201, over_http.text
        new = [json.loads(minted_run.stdout)["qr"], over_http.json()["qr"]]
        assert_served_here(base, [*seeded, *new])
        assert_sync_stores_every_list(base, tmp_path, env)


def test_demo_data_follows_the_demo_to_another_port(database_url: str, tmp_path: Path) -> None:
    env = demo_env(database_url)
    with running_demo_server(tmp_path, env) as first:
        minted_run = cli(tmp_path, env, *README_MINT)
        assert minted_run.returncode == 0, minted_run.stderr
        identifier = json.loads(minted_run.stdout)["identifier"]
    with running_demo_server(tmp_path, env) as second:
        assert second != first
        # Seeded on the first run, and minted by the CLI on it: both re-pointed here.
        zhang_wei = wallet_qrs(second, ZHANG_WEI)
        assert identifier in zhang_wei
        assert_served_here(second, [*wallet_qrs(second, LI_NA).values(), *zhang_wei.values()])
        verified = cli(tmp_path, env, "verify", "--demo", zhang_wei[identifier])
        assert verified.returncode == 0, (verified.stdout, verified.stderr)
        assert_sync_stores_every_list(second, tmp_path, env)


def test_the_served_address_of_a_wildcard_bind_is_loopback() -> None:
    from wallet.cli.serve import served_base_url

    assert served_base_url("127.0.0.1", 8101) == "http://127.0.0.1:8101"
    assert served_base_url("0.0.0.0", 8101) == "http://127.0.0.1:8101"
    assert served_base_url("::", 8101) == "http://[::1]:8101"
    assert served_base_url("::1", 8101) == "http://[::1]:8101"
    assert served_base_url("localhost", 8101) == "http://localhost:8101"
