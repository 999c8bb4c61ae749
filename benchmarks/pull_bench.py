"""Pull latency of a five-certificate grant under concurrent load, against a bare baseline.

Run: ``.venv/bin/python benchmarks/pull_bench.py`` (needs ``wrk``: ``apt-get install wrk``)

Two servers on free loopback ports, each with ``--workers`` uvicorn workers:

* ours: ``elicense serve --demo`` in a temporary directory (fresh SQLite database),
  seeded through its HTTP API only (benchmarks/pull_seed.py): an admin-registered
  service client, 李娜's ID card, and grants of five certificates (both spouses' ID
  cards, their marriage certificate for each, 张伟's household register) that both
  spouses approve after logging in. A grant allows at most 1000 uses, so every wrk
  run gets fresh grants, enough for 1.5 times the rate seen so far, and the wrk script
  (benchmarks/wrk_requests.lua, through benchmarks/wrk.py) rotates across them;
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
import secrets
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import httpx

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
sys.path.insert(0, str(ROOT))

from benchmarks import pull_seed as seed  # noqa: E402
from benchmarks import wrk  # noqa: E402
from wallet.server.demo import DEMO_PASSWORD  # noqa: E402

FIRST_RATE_GUESS = 600.0  # requests/s assumed before any run measured one (warm-up sizing)
USES_PER_GRANT = 1000  # the most a grant allows
BODY = json.dumps({"purpose": seed.PURPOSE}, ensure_ascii=False)


def bare_targets() -> list[wrk.Target]:
    """The bare baseline pulls at the same path; it reads no token and no grant."""
    return [wrk.Target("/consent/grants/bare/pull", "bare")]


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

    def targets(self, seconds: float) -> list[wrk.Target]:
        """wrk's targets for a run of ``seconds``: every fresh grant's pull, one token."""
        token, grants = self.prepare(seconds)
        return [wrk.Target(f"/consent/grants/{grant}/pull", token) for grant in grants]

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
    args: argparse.Namespace, ours: Ours, ours_server: wrk.Server, bare_server: wrk.Server
) -> dict[str, list[wrk.WrkRun]]:
    load = wrk.Load(args.connections, args.threads, args.wrk)
    runs: dict[str, list[wrk.WrkRun]] = {"ours": [], "bare": []}
    for round_number in range(args.rounds + 1):  # round 0 is the warm-up
        seconds = args.warmup if round_number == 0 else args.duration
        mine = wrk.run_wrk(load, ours_server, ours.targets(seconds), seconds, BODY)
        bare = wrk.run_wrk(load, bare_server, bare_targets(), seconds, BODY)
        wrk.checked("ours", mine)
        wrk.checked("bare", bare)
        ours.rate = max(ours.rate if round_number else 0.0, mine.rate)
        if round_number:
            runs["ours"].append(mine)
            runs["bare"].append(bare)
    return runs


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
        f"  server CPU per request       ours {numbers['ours_cpu_us']:8.0f} µs  "
        f"bare {numbers['bare_cpu_us']:8.0f} µs  ratio {numbers['ratio_cpu_us']:.2f}x"
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
    parser.add_argument("--wrk", default="wrk")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    args = parser.parse_args(argv)
    args.wrk = wrk.find_wrk(args.wrk)
    admin_token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="pull-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        ours_server, bare_server = start_servers(stack, workdir, admin_token, args.workers)
        ours_base = ours_server.wait_ready()
        bare_server.wait_ready()
        ours = Ours(ours_base, admin_token)
        stack.callback(ours.http.close)
        ours.check_one_pull()
        numbers = wrk.summarise(measure(args, ours, ours_server, bare_server))
    print_report(args, numbers)
    if args.json:
        print(json.dumps({"pull_bench": numbers}))


def start_servers(
    stack: ExitStack, workdir: Path, admin_token: str, workers: int
) -> tuple[wrk.Server, wrk.Server]:
    """``elicense serve --demo`` (with ``admin_token``) and the bare baseline, both with
    ``workers`` processes, stopped when ``stack`` closes."""
    ours_env = wrk.clean_environment(ELICENSE_ADMIN_TOKEN=admin_token, **wrk.BENCH_SETTINGS)
    ours = wrk.started(wrk.elicense_argv(workers), workdir, ours_env, "elicense")
    bare = wrk.started(
        wrk.bare_argv("pull_baseline", workers), workdir, wrk.clean_environment(), "baseline"
    )
    return stack.enter_context(ours), stack.enter_context(bare)


if __name__ == "__main__":
    main()
