"""``elicense serve --demo`` in a subprocess on a loopback port, for the end-to-end tests.

The server runs in the directory it is given (so ``./var``, with the demo master key
and admin token, lands in the test's ``tmp_path``) and with the environment it is
given: :func:`demo_env` keeps the run's environment minus every ``ELICENSE_*``
variable but the test's database URL, so it runs on SQLite and on PostgreSQL alike.
Used by the e2e tests (the ``demo_server`` fixture in ``tests/e2e/conftest.py``) and
by the browser tests.
"""

from __future__ import annotations

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
STARTUP_TIMEOUT_S = 90  # a bound on a loaded 2-core machine (xdist + servers), not a timing claim

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


def free_port() -> int:
    """A loopback port nobody listens on now (the OS's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def demo_env(database_url: str) -> dict[str, str]:
    """This run's environment with no ``ELICENSE_*`` variable but the database URL and
    the run's rate limits (high: tests/conftest.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env["ELICENSE_RATE_LIMITS"] = os.environ.get("ELICENSE_RATE_LIMITS", "{}")  # tests/conftest
    env["ELICENSE_DATABASE_URL"] = database_url
    return env


def cli(tmp_path: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    """The installed ``elicense`` console script, run in ``tmp_path``."""
    return subprocess.run(
        [str(ELICENSE), *argv], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@contextmanager
def running_demo_server(
    tmp_path: Path,
    env: dict[str, str],
    *,
    workers: int = 1,
    startup_timeout_s: float = STARTUP_TIMEOUT_S,
) -> Iterator[str]:
    """``elicense serve --demo --workers N`` in ``tmp_path`` with ``env`` until the block
    ends; yields its base URL once ``/healthz`` answers and every worker has started
    (its log is ``server.log``), failing after ``startup_timeout_s``."""
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
        deadline = time.monotonic() + startup_timeout_s
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
                pytest.fail(f"no /healthz within {startup_timeout_s} s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        stop_process(server)


def stop_process(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 15 s; always reaped."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def post_verify(base: str, qr: str) -> dict[str, Any]:
    """The server's verdict on ``qr`` (``POST /verify``), which must answer 200."""
    response = httpx.post(f"{base}/verify", json={"qr": qr}, timeout=10)
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict
