"""``elicense worker`` subprocesses beside an ``elicense serve --demo`` whose own
in-process workflows are off, for the end-to-end tests of the bundle engine (and the
crash tests built on them). Not a test module."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.demo_server import ELICENSE

STARTUP_TIMEOUT_S = 90  # a bound on a loaded 2-core machine (xdist + servers), not a timing claim
RUNNING = ": running ("


def api_only_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the server's in-process bundle workflows off."""
    return {**env, "ELICENSE_INPROCESS_WORKERS": "false"}


def start_worker(
    tmp_path: Path, env: dict[str, str], worker_id: str = "worker-1", **extra_env: str
) -> tuple[subprocess.Popen[bytes], Path]:
    """``elicense worker --demo`` in ``tmp_path`` (the server's data directory), once it
    says it is running; its log is ``worker-<id>.log`` (appended to across restarts)."""
    log_path = tmp_path / f"worker-{worker_id}.log"
    before = log_path.read_text().count(RUNNING) if log_path.exists() else 0
    with log_path.open("a") as log:
        worker = subprocess.Popen(
            [str(ELICENSE), "worker", "--demo"], cwd=tmp_path,
            env={**env, "ELICENSE_WORKER_ID": worker_id, **extra_env},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while log_path.read_text().count(RUNNING) <= before:
        if worker.poll() is not None:
            pytest.fail(f"worker exited with {worker.returncode}:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"worker not running within {STARTUP_TIMEOUT_S} s:\n{log_path.read_text()}")
        time.sleep(0.1)
    return worker, log_path


@contextmanager
def running_worker(
    tmp_path: Path, env: dict[str, str], worker_id: str = "worker-1", **extra_env: str
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A worker until the block ends (SIGTERM, then SIGKILL after 15 s)."""
    worker, log_path = start_worker(tmp_path, env, worker_id, **extra_env)
    try:
        yield worker, log_path
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=5)
