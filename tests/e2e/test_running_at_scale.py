"""The README's "Running at scale" block, run as written.

The shell block under ``## Running at scale`` is read from README.md and run line by
line. What a test cannot take word for word is swapped, and only that: the exported
values (the test's database, test secrets, the address of this run's server), the
issuers file (``samples/issuers.json``), ``0.0.0.0`` (tests listen on loopback only),
port 8000 (a free port), ``--workers 4`` (2 on these 2-core machines) and the origin
directory (under ``tmp_path``). ``serve`` and ``worker`` run in the background; the
test then checks what the section promises: ``/readyz`` is ready, an admin mint
works, the worker runs, ``publish`` wrote the signed files, and SIGTERM stops both.
Before ``db upgrade``, ``serve`` refuses the empty database and names the command.
"""

from __future__ import annotations

import base64
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.app_fixtures import TEST_ADMIN_TOKEN, TEST_MASTER_KEY
from tests.e2e.demo_server import ELICENSE, HOST, free_port
from tests.helpers import PUBLIC_SECURITY, sample

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXPORTED = {
    "ELICENSE_DATABASE_URL",
    "ELICENSE_MASTER_KEY",
    "ELICENSE_ADMIN_TOKEN",
    "ELICENSE_PUBLIC_BASE_URL",
}
BOUND_S = 60


def readme_block() -> list[str]:
    """The command lines of the first ``sh`` block under ``## Running at scale``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Running at scale\n", 1)[1]
    block = re.search(r"```sh\n(.*?)\n```", section, re.S)
    assert block is not None, "no sh block under ## Running at scale"
    return [line.split("  #", 1)[0].strip() for line in block.group(1).splitlines()]


def swapped(line: str, port: int, origin: Path) -> list[str]:
    line = line.replace("0.0.0.0", HOST).replace("--port 8000", f"--port {port}")
    line = line.replace("--workers 4", "--workers 2").replace("/srv/elicense-origin", str(origin))
    line = line.replace("issuers.json", str(ROOT / "samples" / "issuers.json"))
    words = shlex.split(line)
    return [str(ELICENSE) if w == ".venv/bin/elicense" else w for w in words]


def test_the_running_at_scale_block_as_written(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    base = f"http://{HOST}:{port}"
    values = {
        "ELICENSE_DATABASE_URL": database_url,
        "ELICENSE_MASTER_KEY": base64.b64encode(TEST_MASTER_KEY).decode(),
        "ELICENSE_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
        "ELICENSE_PUBLIC_BASE_URL": base,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env["ELICENSE_DATA_DIR"] = str(tmp_path / "var")
    origin = tmp_path / "origin"
    commands: list[list[str]] = []
    for line in readme_block():
        if line.startswith("export "):
            name = line.removeprefix("export ").split("=", 1)[0]
            assert name in EXPORTED, f"the README exports {name}: give it a test value here"
            env[name] = values[name]
        elif line:
            commands.append(swapped(line, port, origin))
    assert {name for name in EXPORTED if name in env} == EXPORTED
    verbs = [next(w for w in c if not re.match(r"^[A-Z_]+=", w)) for c in commands]
    assert all(v == str(ELICENSE) for v in verbs), commands

    refused = _run([str(ELICENSE), "serve", "--port", str(port)], env)
    assert refused.returncode == 2
    assert "elicense db upgrade" in refused.stderr

    background: list[subprocess.Popen[str]] = []
    try:
        for command in commands:
            assigned = dict(w.split("=", 1) for w in command if re.match(r"^[A-Z_]+=", w))
            argv = [w for w in command if not re.match(r"^[A-Z_]+=", w)]
            if argv[1] in ("serve", "worker"):
                with (tmp_path / f"{argv[1]}.log").open("w") as log:
                    background.append(
                        subprocess.Popen(
                            argv,
                            env={**env, **assigned},
                            cwd=tmp_path,
                            text=True,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        )
                    )
                if argv[1] == "serve":
                    _wait_ready(base, background[-1], tmp_path / "serve.log")
            else:
                done = _run(argv, {**env, **assigned})
                assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
        _promises_kept(base, tmp_path, origin, background)
    finally:
        for process in background:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=BOUND_S, check=False
    )


def _wait_ready(base: str, server: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"/readyz not ready within {BOUND_S} s:\n{log.read_text()}")


def _promises_kept(
    base: str, tmp_path: Path, origin: Path, background: list[subprocess.Popen[str]]
) -> None:
    ready = httpx.get(f"{base}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text
    resident = sample("resident_id")
    minted = httpx.post(
        f"{base}/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "resident_id", "fields": resident["fields"]},
        headers={"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"},
        timeout=10,
    )
    assert minted.status_code == 201, minted.text
    verdict = httpx.post(f"{base}/verify", json={"qr": minted.json()["qr"]}, timeout=10)
    assert verdict.json()["valid"] is True, verdict.text
    assert (origin / "trust" / "anchors").is_file()
    assert (origin / "status" / "lists").is_file()
    assert (origin / "issuers" / PUBLIC_SECURITY / "jwks.json").is_file()
    worker = background[1]
    assert worker.poll() is None, (tmp_path / "worker.log").read_text()
    for process in background:
        process.send_signal(signal.SIGTERM)
    for process in background:
        assert process.wait(timeout=BOUND_S) == 0
