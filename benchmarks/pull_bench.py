"""Pull latency of a five-certificate grant under concurrent load, against a bare baseline.

Run: ``.venv/bin/python benchmarks/pull_bench.py`` (needs ``wrk``: ``apt-get install wrk``)

Two servers on free loopback ports, each with ``--workers`` uvicorn workers:

* ours: ``elicense serve --demo`` in a temporary directory (fresh SQLite database),
  seeded through its HTTP API only (benchmarks/pull_seed.py): an admin-registered
  service client, 李娜's ID card, and grants of five certificates (both spouses' ID
  cards, their marriage certificate for each, 张伟's household register) that both
  spouses approve after logging in. A grant allows at most 1000 uses, so every wrk
  run gets fresh grants, enough for 1.5 times the rate seen so far, and the wrk script
  (benchmarks/pull_bench.lua) rotates across them;
* bare: benchmarks/pull_baseline.py, one FastAPI endpoint at the same path that signs
  the same five SD-JWT VCs and key-binding JWTs with keys made at start, no database.

Both are warmed up, then measured in alternating rounds (ours, bare, ours, bare...) so
the machine's noise falls on both: ``wrk -t THREADS -c CONNECTIONS -d DURATION
--latency`` POSTing ``/consent/grants/{id}/pull``. It prints, per side, the median over
the rounds of p50, p99 (ms) and throughput, and the ratios ours / bare; ``--json``
adds one JSON line. wrk shares the machine's cores with the servers, so the absolute
figures are a floor; the ratio is the number to read. Every run must answer only 2xx.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCHMARKS))

import pull_seed as seed  # noqa: E402

from wallet.server.demo import DEMO_PASSWORD  # noqa: E402

HOST = "127.0.0.1"
ELICENSE = Path(sys.executable).with_name("elicense")
LUA = BENCHMARKS / "pull_bench.lua"
STARTUP_TIMEOUT_S = 90
FIRST_RATE_GUESS = 600.0  # requests/s assumed before any run measured one (warm-up sizing)
USES_PER_GRANT = 1000  # the most a grant allows


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers, socket errors and timeouts

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


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


def run_wrk(
    args: argparse.Namespace, base: str, token: str, grants: list[str], seconds: float
) -> WrkRun:
    argv = [
        args.wrk, "-t", str(args.threads), "-c", str(args.connections), "-d", f"{seconds:g}s",
        "--latency", "--timeout", "30s", "-s", str(LUA), base, "--", token, seed.PURPOSE, *grants,
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 90, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("PULL_BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    summary = json.loads(line.removeprefix("PULL_BENCH "))
    failures = sum(summary[key] for key in summary if key.endswith(("_errors", "timeouts")))
    return WrkRun(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1e3,
        p99_ms=summary["p99_us"] / 1e3,
        failures=failures,
    )


class Ours:
    """The real server's side: a service token and fresh approved grants for each run."""

    def __init__(self, base: str, admin_token: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=seed.TIMEOUT_S)
        seed.mint_li_na_resident_id(self.http, admin_token)
        self.client_id, self.secret = seed.register_client(self.http, admin_token)
        self.sessions = {
            holder: seed.citizen_session(self.http, holder, DEMO_PASSWORD) for holder in seed.ASKS
        }
        self.rate = FIRST_RATE_GUESS

    def prepare(self, seconds: float) -> tuple[str, list[str]]:
        """A token fresh for this run and grants enough for 1.5x the fastest rate seen."""
        token = seed.service_token(self.http, self.client_id, self.secret)
        count = math.ceil(1.5 * self.rate * seconds / USES_PER_GRANT) + 1
        return token, seed.approved_grants(self.http, token, self.sessions, count)

    def check_one_pull(self) -> None:
        """One pull before any load: the route answers five shares, or the bench stops."""
        token, grants = self.prepare(0)
        answer = self.http.post(
            f"/consent/grants/{grants[0]}/pull",
            json={"purpose": seed.PURPOSE},
            headers={"Authorization": f"Bearer {token}"},
        )
        if answer.status_code != 200 or len(answer.json()["shares"]) != seed.SHARES_PER_PULL:
            raise SystemExit(f"a single pull failed: {answer.status_code} {answer.text[:600]}")


def measure(
    args: argparse.Namespace, ours: Ours, ours_base: str, bare_base: str
) -> dict[str, list[WrkRun]]:
    runs: dict[str, list[WrkRun]] = {"ours": [], "bare": []}
    for round_number in range(args.rounds + 1):  # round 0 is the warm-up
        seconds = args.warmup if round_number == 0 else args.duration
        token, grants = ours.prepare(seconds)
        mine = run_wrk(args, ours_base, token, grants, seconds)
        bare = run_wrk(args, bare_base, "bare", ["bare"], seconds)
        for side, run in (("ours", mine), ("bare", bare)):
            if run.failures:
                raise SystemExit(f"{side}: {run.failures} of {run.requests} requests failed")
        ours.rate = max(ours.rate if round_number else 0.0, mine.rate)
        if round_number:
            runs["ours"].append(mine)
            runs["bare"].append(bare)
    return runs


def summarise(runs: dict[str, list[WrkRun]]) -> dict[str, float]:
    numbers: dict[str, float] = {}
    for side, side_runs in runs.items():
        numbers[f"{side}_p50_ms"] = statistics.median(r.p50_ms for r in side_runs)
        numbers[f"{side}_p99_ms"] = statistics.median(r.p99_ms for r in side_runs)
        numbers[f"{side}_rps"] = statistics.median(r.rate for r in side_runs)
    for key in ("p50_ms", "p99_ms", "rps"):
        numbers[f"ratio_{key.removesuffix('_ms')}"] = (
            numbers[f"ours_{key}"] / numbers[f"bare_{key}"]
        )
    return numbers


def print_report(args: argparse.Namespace, numbers: dict[str, float]) -> None:
    print(
        f"pull of a five-certificate grant: wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration:g}s, {args.workers} worker(s), median of {args.rounds} round(s)"
    )
    for side, label in (("ours", "elicense pull (real server)"), ("bare", "bare FastAPI baseline")):
        print(
            f"  {label:<28} p50 {numbers[f'{side}_p50_ms']:8.2f} ms  "
            f"p99 {numbers[f'{side}_p99_ms']:8.2f} ms  {numbers[f'{side}_rps']:8.1f} req/s"
        )
    print(
        f"  ratio ours / bare            p50 {numbers['ratio_p50']:7.2f}x    "
        f"p99 {numbers['ratio_p99']:7.2f}x    throughput {numbers['ratio_rps']:.2f}x"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers, both servers")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    args = parser.parse_args(argv)
    if shutil.which(args.wrk) is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    admin_token = secrets.token_urlsafe(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    served = [
        "--host", HOST, "--port", "{port}", "--workers", str(args.workers),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="pull-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        ours_env = {**env, "ELICENSE_ADMIN_TOKEN": admin_token}
        ours_argv = [str(ELICENSE), "serve", "--demo", *served]
        bare_argv = [
            sys.executable, "-m", "uvicorn", "--app-dir", str(BENCHMARKS), "pull_baseline:app",
            "--log-level", "info", *served,
        ]  # fmt: skip
        ours_server = stack.enter_context(started(ours_argv, workdir, ours_env, "elicense"))
        bare_server = stack.enter_context(started(bare_argv, workdir, env, "baseline"))
        ours_base, bare_base = ours_server.wait_ready(), bare_server.wait_ready()
        ours = Ours(ours_base, admin_token)
        stack.callback(ours.http.close)
        ours.check_one_pull()
        numbers = summarise(measure(args, ours, ours_base, bare_base))
    print_report(args, numbers)
    if args.json:
        print(json.dumps({"pull_bench": numbers}))


if __name__ == "__main__":
    main()
