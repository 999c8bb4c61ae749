"""Status and trust lists as static signed files: ``elicense publish`` behind a plain web server.

The platform's public address (``ELICENSE_PUBLIC_BASE_URL``) is a static file server
(``python -m http.server``, standing in for a CDN) serving what ``elicense publish``
wrote; no elicense server runs at all. An inspector syncs from that address and
verifies offline: valid before, ``revoked`` after a revocation and a second publish.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.e2e.demo_server import HOST, README_MINT, cli, demo_env, free_port

pytestmark = pytest.mark.slow


@contextmanager
def static_site(directory: Path, port: int) -> Iterator[str]:
    """``python -m http.server`` on loopback serving ``directory`` until the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", HOST,
         "--directory", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(base, timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the static file server did not start")
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_inspector_syncs_from_static_files_and_sees_a_revocation(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    env = demo_env(database_url)
    env["ELICENSE_PUBLIC_BASE_URL"] = f"http://{HOST}:{port}"
    site, cache = tmp_path / "site", tmp_path / "cache"
    minted = json.loads(_ok(cli(tmp_path, env, *README_MINT)))
    (tmp_path / "anchors.json").write_text(_ok(cli(tmp_path, env, "trust", "anchors", "--demo")))
    published = json.loads(_ok(cli(tmp_path, env, "publish", "--demo", "--json", str(site))))
    assert "status/lists" in published["files"]
    assert "trust/anchors" in published["files"]
    offline = ["--cache", str(cache), "--anchor", str(tmp_path / "anchors.json")]

    with static_site(site, port) as base:
        _ok(cli(tmp_path, env, "sync", "--server", base, *offline))
        valid = cli(tmp_path, env, "verify-offline", minted["qr"], *offline)
        assert valid.returncode == 0, valid.stdout + valid.stderr

        _ok(cli(tmp_path, env, "revoke", minted["identifier"], "--code", "04", "--demo"))
        stale = cli(tmp_path, env, "verify-offline", minted["qr"], *offline)
        assert stale.returncode == 0, "the cache has not seen the revocation yet"
        _ok(cli(tmp_path, env, "publish", "--demo", str(site)))
        _ok(cli(tmp_path, env, "sync", "--server", base, *offline))
        revoked = cli(tmp_path, env, "verify-offline", minted["qr"], *offline)
    assert revoked.returncode == 1, revoked.stdout + revoked.stderr
    assert "revoked" in revoked.stdout.lower(), revoked.stdout


def test_publish_writes_whole_files_at_the_servers_paths(tmp_path: Path, database_url: str) -> None:
    env = demo_env(database_url)
    site = tmp_path / "site"
    published = json.loads(_ok(cli(tmp_path, env, "publish", "--demo", "--json", str(site))))
    files = set(published["files"])
    assert {p for p in files if p.startswith("status/") and p != "status/lists"}
    assert any(p.startswith("trust/lists/") for p in files)
    assert any(p.endswith("/jwks.json") for p in files)
    for relative in files:
        assert (site / relative).is_file()
    links = json.loads((site / "status" / "lists").read_text())
    for link in links:
        path = site / httpx.URL(link["uri"]).path.lstrip("/")
        assert path.read_text().count(".") == 2  # a compact JWS
    assert not [p for p in site.rglob(".*") if p.is_file()]  # no temporary file left


def test_publish_refuses_a_linked_directory_and_an_empty_name(
    tmp_path: Path, database_url: str
) -> None:
    env = demo_env(database_url)
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    site.mkdir()
    elsewhere.mkdir()
    (site / "trust").symlink_to(elsewhere, target_is_directory=True)
    linked = cli(tmp_path, env, "publish", "--demo", str(site))
    assert linked.returncode == 2, linked.stdout + linked.stderr
    assert "symbolic link" in linked.stderr
    assert not list(elsewhere.iterdir())  # nothing written where the link points
    assert not list(site.glob("status*"))  # nor anything else: refused before writing
    empty = cli(tmp_path, env, "publish", "--demo", "")
    assert empty.returncode == 2
    assert not (tmp_path / "status").exists()  # not the current directory either
