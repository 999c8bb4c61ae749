"""Issue 13's acceptance on the issuer side, as a new user would try it: a demo issuer
moved to SM2 (国密) from the shell while ``elicense serve --demo`` runs, a certificate
minted, verified online (``POST /verify``, ``elicense verify``) and offline
(``elicense sync`` from the server, then ``elicense verify --offline``), then revoked.

The demo runs with ``ELICENSE_ANCHOR_ALG=SM2``, so the province's trust list is signed
by an SM2 anchor too, and the status lists by the issuer's SM2 key.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.demo_server import README_MINT, cli, demo_env, post_verify, running_demo_server
from tests.helpers import PUBLIC_SECURITY

pytestmark = pytest.mark.slow


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_demo_issuer_rotated_to_sm2_verifies_online_and_offline(
    tmp_path: Path, database_url: str
) -> None:
    env = {**demo_env(database_url), "ELICENSE_ANCHOR_ALG": "SM2"}
    cache, anchors = tmp_path / "inspector-cache", tmp_path / "anchors.json"
    offline = ["--offline", "--cache", str(cache), "--anchor", str(anchors)]
    with running_demo_server(tmp_path, env) as base:
        before = json.loads(_ok(cli(tmp_path, env, *README_MINT)))
        rotated = json.loads(
            _ok(cli(tmp_path, env, "keys", "rotate", PUBLIC_SECURITY, "--alg", "SM2", "--demo"))
        )
        assert rotated["alg"] == "SM2"
        minted = json.loads(_ok(cli(tmp_path, env, *README_MINT)))
        assert minted["kid"] == rotated["kid"]

        response = httpx.get(f"{base}/trust/anchors", timeout=10)
        assert response.status_code == 200, response.text
        shanghai = next(a["jwk"] for a in response.json() if a["region_code"] == "310000")
        assert shanghai["crv"] == "SM2"
        anchors.write_text(response.text, "utf-8")  # stands in for out-of-band distribution
        _ok(cli(tmp_path, env, "sync", "--server", base, "--cache", str(cache),
                "--anchor", str(anchors)))  # fmt: skip

        for credential, alg in ((before, "EdDSA"), (minted, "SM2")):
            verdict = post_verify(base, credential["qr"])
            assert verdict["valid"] is True, verdict
            assert verdict["credential"]["alg"] == alg
            online = _ok(cli(tmp_path, env, "verify", credential["qr"], "--demo"))
            assert online.startswith("VALID"), online
            local = _ok(cli(tmp_path, env, "verify", credential["qr"], *offline))
            assert local.startswith("VALID"), local
            assert "NOT checked" not in local

        _ok(cli(tmp_path, env, "revoke", minted["identifier"], "--code", "04", "--demo"))
        _ok(cli(tmp_path, env, "sync", "--server", base, "--cache", str(cache),
                "--anchor", str(anchors)))  # fmt: skip
        assert post_verify(base, minted["qr"])["code"] == "revoked"
    revoked = cli(tmp_path, env, "verify", minted["qr"], *offline)
    assert revoked.returncode == 1, revoked.stdout + revoked.stderr
    assert "revoked" in revoked.stdout
