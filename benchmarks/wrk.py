"""What the HTTP benchmarks share: servers on loopback ports, and wrk runs against them.

:func:`started` starts a server (``elicense serve`` or a bare uvicorn app) on a free
loopback port in its own process group and stops the whole group afterwards;
:func:`run_wrk` drives POSTs with ``wrk`` through benchmarks/wrk_requests.lua and
parses its one JSON line (exact percentiles, every failure counted). wrk, a C
program, is the load: Python client threads would share the GIL-bound cores with
the server and measure themselves.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCHMARKS = Path(__file__).resolve().parent
HOST = "127.0.0.1"
ELICENSE = Path(sys.executable).with_name("elicense")
LUA = BENCHMARKS / "wrk_requests.lua"
STARTUP_TIMEOUT_S = 90
NO_TOKEN = "-"  # a target without an Authorization header
# Settings our server runs with under load: whatever protects it from one abusive
# client (rate limits) is set far above what wrk sends rather than off, so the
# benchmark measures the checks as they run in production.
# Every rate-limit group gets a per-second window only: a moving window keeps one
# timestamp per request it covers, so a huge per-minute limit would make each hit
# move a list of tens of thousands.
_UNLIMITED = "1000000/second"
BENCH_SETTINGS: dict[str, str] = {
    "ELICENSE_RATE_LIMITS": json.dumps(
        dict.fromkeys(
            ("verify", "verify_image", "login", "token_address", "token", "pull"), _UNLIMITED
        )
    ),
    # As outside demo mode: the bundle workflows run in `elicense worker` processes, so
    # their queue polling does not share the HTTP worker's core (the demo's default with
    # one worker; with several, `serve` does it anyway).
    "ELICENSE_INPROCESS_WORKERS": "false",
}


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers, socket errors and timeouts
    cpu_seconds: float = 0.0  # the server's processes' CPU over the run (0: not read)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float:
        """The server's CPU time per request, in µs: steadier than the rate when other
        work shares the cores."""
        return self.cpu_seconds / self.requests * 1e6 if self.requests else 0.0


@dataclass(frozen=True)
class Load:
    """How hard wrk pushes: ``wrk -t threads -c connections``."""

    connections: int = 32
    threads: int = 2
    wrk: str = "wrk"


@dataclass(frozen=True)
class Target:
    """One request wrk sends: a POST to ``path`` with an optional bearer token."""

    path: str
    token: str = NO_TOKEN


def find_wrk(wrk: str | None = None) -> str:
    """The wrk executable; when it is missing and this is root on Debian/Ubuntu, the
    Debian package is installed first (apt-get, as .ci/run does); else SystemExit
    saying how to install it."""
    found = shutil.which(wrk or "wrk")
    if found is None and wrk is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr, flush=True)
        for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            subprocess.run(step, check=False, timeout=600, env={**os.environ,
                           "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any ELICENSE_ setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    return {**env, **extra}


def bare_argv(module: str, workers: int) -> list[str]:
    """uvicorn serving ``benchmarks/<module>.py``'s ``app`` as ``elicense serve`` serves
    ours (uvloop, httptools, ``workers`` processes); ``{port}`` is filled in later."""
    return [
        sys.executable, "-m", "uvicorn", "--app-dir", str(BENCHMARKS), f"{module}:app",
        "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
        "--host", HOST, "--port", "{port}", "--workers", str(workers),
    ]  # fmt: skip


def elicense_argv(workers: int) -> list[str]:
    """``elicense serve --demo`` on ``{port}`` with ``workers`` processes."""
    return [
        str(ELICENSE), "serve", "--demo",
        "--host", HOST, "--port", "{port}", "--workers", str(workers),
    ]  # fmt: skip


@dataclass(frozen=True)
class Server:
    """A server process started on ``base``; its output goes to ``log_path``."""

    name: str
    base: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def wait_ready(self) -> str:
        """The base URL once ``/healthz`` answers; SystemExit with the log's tail if the
        process dies or does not answer within STARTUP_TIMEOUT_S."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(self.base):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log_path.read_text("utf-8", "replace")[-2000:]
                raise SystemExit(f"{self.name} did not come up on {self.base}:\n{tail}")
            time.sleep(0.2)
        return self.base


@contextmanager
def started(argv: list[str], workdir: Path, env: dict[str, str], name: str) -> Iterator[Server]:
    """Start a server on a free loopback port (``{port}`` in argv), in its own process
    group, and stop that whole group when the block ends, whatever happened."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [arg.replace("{port}", str(port)) for arg in argv],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        yield Server(name, f"http://{HOST}:{port}", process, log_path)
    finally:
        _stop(process)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (uvicorn's supervisor and its workers), then
    SIGKILL whatever is left after 20 s."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            server.wait(timeout=20)
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # stray workers, if any
    server.wait(timeout=10)


def group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) of every live process in process group ``group`` (a
    server started by :func:`started`: uvicorn's supervisor and its workers), from /proc."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == group:  # after the name: state, ppid, pgrp, ...
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_wrk(
    load: Load, server: Server, targets: Sequence[Target], seconds: float, body: str = ""
) -> WrkRun:
    """``wrk`` POSTing ``body`` (JSON; "" for none) to ``targets`` on ``server`` in turn
    for ``seconds``, with the server's CPU time over the run; SystemExit if wrk fails or
    prints no summary."""
    base = server.base
    cpu_before = group_cpu_seconds(server.process.pid)
    pairs = [part for target in targets for part in (target.path, target.token)]
    argv = [
        load.wrk, "-t", str(load.threads), "-c", str(load.connections), "-d", f"{seconds:g}s",
        "--latency", "--timeout", "30s", "-s", str(LUA), base, "--", body, *pairs,
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 90, check=False)
    cpu_seconds = group_cpu_seconds(server.process.pid) - cpu_before
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    summary = json.loads(line.removeprefix("WRK_BENCH "))
    failures = sum(summary[key] for key in summary if key.endswith(("_errors", "timeouts")))
    return WrkRun(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1e3,
        p99_ms=summary["p99_us"] / 1e3,
        failures=failures,
        cpu_seconds=cpu_seconds,
    )


def checked(side: str, run: WrkRun) -> WrkRun:
    """``run``, or SystemExit if any of its requests failed."""
    if run.failures:
        raise SystemExit(f"{side}: {run.failures} of {run.requests} requests failed")
    return run


def summarise(runs: dict[str, list[WrkRun]]) -> dict[str, float]:
    """Per side, the median over the rounds of p50, p99 and throughput; then the ratios
    ``ours / bare`` (``runs`` has the sides "ours" and "bare")."""
    numbers: dict[str, float] = {}
    for side, side_runs in runs.items():
        numbers[f"{side}_p50_ms"] = statistics.median(r.p50_ms for r in side_runs)
        numbers[f"{side}_p99_ms"] = statistics.median(r.p99_ms for r in side_runs)
        numbers[f"{side}_rps"] = statistics.median(r.rate for r in side_runs)
        numbers[f"{side}_cpu_us"] = statistics.median(r.cpu_us for r in side_runs)
    for key in ("p50_ms", "p99_ms", "rps", "cpu_us"):
        numbers[f"ratio_{key.removesuffix('_ms')}"] = (
            numbers[f"ours_{key}"] / numbers[f"bare_{key}"]
        )
    return numbers
