"""``elicense worker`` processes for the bundle tests: started with an environment of
their own (no ``ELICENSE_*`` variable of the run leaks in), their stderr in a log file,
and always stopped (SIGTERM, then SIGKILL) by whoever started them. Not a test module.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.demo_server import ELICENSE

WORKER_START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")


def worker_env(settings: dict[str, str]) -> dict[str, str]:
    """The run's environment minus every ``ELICENSE_*`` variable, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env.update(settings)
    return env


def start_worker(name: str, env: dict[str, str], directory: Path) -> Worker:
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / f"{name}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [str(ELICENSE), "worker"], cwd=directory, env=env,
            stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return Worker(name, process, log)


def wait_running(worker: Worker, timeout: float = WORKER_START_TIMEOUT_S) -> None:
    """Until the worker says it runs (DBOS launched, queues registered)."""
    deadline = time.monotonic() + timeout
    while ": running" not in worker.output():
        if worker.process.poll() is not None:
            pytest.fail(f"{worker.name} exited {worker.process.returncode}:\n{worker.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{worker.name} not running after {timeout} s:\n{worker.output()}")
        time.sleep(0.1)


def wait_exit(worker: Worker, timeout: float) -> int:
    try:
        return worker.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{worker.name} still running after {timeout} s:\n{worker.output()}")


def stop_worker(worker: Worker) -> int | None:
    """SIGTERM (the worker shuts DBOS down and exits 0), SIGKILL if it hangs; the exit
    code, or None when it had already ended."""
    if worker.process.poll() is not None:
        return None
    worker.process.send_signal(signal.SIGTERM)
    try:
        return worker.process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        return worker.process.wait(timeout=5)
