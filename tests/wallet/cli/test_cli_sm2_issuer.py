"""An issuer moved to SM2 (国密) from the shell, verified everywhere a verifier looks.

``elicense keys rotate USCC --alg SM2``, then ``elicense mint``; trust anchors made as
SM2 (``ELICENSE_ANCHOR_ALG=SM2``). The credentials minted before (Ed25519) and after
(SM2) verify through ``POST /verify``, ``elicense verify`` and ``elicense verify
--offline`` from a cache that ``elicense sync`` filled with the SM2-signed trust list
and status lists; a revocation reaches all three. ``sync`` fetches from the app in
this process (its ``fetch`` seam), as it would from ``elicense serve``
(``tests/e2e/test_sm2_demo.py`` does it with a real server).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from issuers.errors import FetchFailed
from tests.app_fixtures import FixedClock
from tests.helpers import PUBLIC_SECURITY, sample, verify
from verifiers.offline import Fetch
from wallet.cli.inspector import sync_command
from wallet.cli.main import main
from wallet.server.settings import Settings, get_settings

SERVER = "http://127.0.0.1:8000"  # the settings' public base URL: the status URIs' host
SHANGHAI = "310000"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"anchor_alg": "SM2"})


@pytest.fixture
def sm2_env(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The CLI's environment with SM2 trust anchors."""
    monkeypatch.setenv("ELICENSE_ANCHOR_ALG", "SM2")
    get_settings.cache_clear()
    return {**cli_env, "ELICENSE_ANCHOR_ALG": "SM2"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.lstrip().startswith(("{", "[")) else out


def through(client: TestClient) -> Fetch:
    """``sync``'s transport, answered by the app."""

    def fetch(url: str, headers: dict[str, str]) -> bytes:
        response = client.get(urlsplit(url).path, headers=headers)
        if response.status_code != 200:
            raise FetchFailed(f"{url}: HTTP {response.status_code}")
        return response.content

    return fetch


def sync(
    capsys: pytest.CaptureFixture[str], client: TestClient, cache: Path, anchors: Path
) -> None:
    """``elicense sync --json``'s handler, fetching from ``client``: every list stored."""
    args = argparse.Namespace(
        server=[SERVER], cache=cache, anchor=[anchors], timeout=30.0, json=True
    )
    assert sync_command(args, fetch=through(client)) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["skipped"], report["failed"]) == (0, 0), report
    kinds = {item["kind"] for item in report["items"] if item["outcome"] == "stored"}
    assert {"trust_list", "status_list"} <= kinds, report


@pytest.mark.usefixtures("sm2_env")
def test_an_issuer_rotated_to_sm2_verifies_online_and_offline(
    client: TestClient, clock: FixedClock, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clock.now = datetime.now(UTC)  # the CLI's verbs run on the real clock: the app's too
    fields = tmp_path / "id.json"
    fields.write_text(json.dumps(sample("resident_id")["fields"]), "utf-8")
    mint = ["mint", "resident_id", "--issuer", PUBLIC_SECURITY, "--json"]
    mint += ["--fields-json", str(fields)]
    code, old = run(capsys, *mint)
    assert code == 0, old
    code, rotated = run(capsys, "keys", "rotate", PUBLIC_SECURITY, "--alg", "SM2")
    assert code == 0
    assert rotated["alg"] == "SM2"
    code, new = run(capsys, *mint)
    assert code == 0, new
    assert new["kid"] == rotated["kid"] != old["kid"]

    code, anchors = run(capsys, "trust", "anchors")
    assert code == 0
    shanghai = next(a["jwk"] for a in anchors if a["region_code"] == SHANGHAI)
    assert (shanghai["crv"], shanghai["alg"]) == ("SM2", "SM2")
    anchor_file = tmp_path / "anchors.json"
    anchor_file.write_text(json.dumps(anchors), "utf-8")
    cache = tmp_path / "inspector-cache"
    sync(capsys, client, cache, anchor_file)
    offline = ["--offline", "--cache", str(cache), "--anchor", str(anchor_file), "--json"]

    for credential, alg in ((old, "EdDSA"), (new, "SM2")):
        verdict = verify(client, credential["qr"])
        assert verdict["valid"] is True, verdict
        assert verdict["credential"]["alg"] == alg
        for extra in ([], offline):
            code, verdict = run(capsys, "verify", credential["qr"], "--json", *extra)
            assert code == 0, verdict
            assert verdict["credential"]["alg"] == alg
            assert verdict["status_checked"] is True

    code, _ = run(capsys, "revoke", new["identifier"], "--code", "04", "--json")
    assert code == 0
    sync(capsys, client, cache, anchor_file)
    assert verify(client, new["qr"])["code"] == "revoked"
    for extra in ([], offline):
        code, verdict = run(capsys, "verify", new["qr"], "--json", *extra)
        assert (code, verdict["code"]) == (1, "revoked")
    code, verdict = run(capsys, "verify", old["qr"], *offline)
    assert code == 0, verdict


@pytest.mark.usefixtures("sm2_env")
def test_rotate_refuses_an_unknown_algorithm(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["keys", "rotate", PUBLIC_SECURITY, "--alg", "SM9"])
    assert caught.value.code == 2
    assert "SM2" in capsys.readouterr().err  # the choices name it
