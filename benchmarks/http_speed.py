"""HTTP speed against bare endpoints doing the same cryptography (suite "http").

Run: ``.venv/bin/python benchmarks/http_speed.py [--quick]`` (needs ``wrk``), or as
part of ``python -m benchmarks``. Load comes from ``wrk`` (``-t2 -c32``), never from
Python client threads that would share the cores with the servers.

With 1 worker process, three comparisons, each against a bare FastAPI app
(benchmarks/http_bare.py, benchmarks/pull_baseline.py) served by uvicorn with the
same loop, parser and worker count as ``elicense serve --demo``:

* ``POST /verify`` of a demo credential's QR (ours: the whole verdict, status list
  included) against Base45 + zlib + COSE decode + Ed25519 verify alone;
* ``POST /wallet/certificates/{id}/presentation`` (session, bound credential, the
  custodial key, the signature, the SVG QR) for every demo certificate in turn,
  against the signature and the SVG with no database;
* a consent pull of five certificates (benchmarks/pull_bench.py's seeding through
  the HTTP API) against the same five SD-JWT VCs signed with no database.

Then ``POST /verify`` again with 2 worker processes. Each comparison is warmed up and
measured in interleaved rounds (ours, bare, ours, bare...) so the machine's noise falls
on both; the figures are medians over the rounds. Every request must answer 2xx.
Quick mode: one 2-second round after a 1-second warm-up; full: three 5-second rounds.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import pull_bench, wrk  # noqa: E402
from benchmarks.harness import Figure, Run, Target  # noqa: E402
from wallet.server.demo import DEMO_PASSWORD, load_json  # noqa: E402

SUITE = "http"
VERIFY_TARGET = Target(0.7, ">=")
SIGNING_TARGET = Target(0.5, ">=")
# Where status references point: one address for both servers (1 and 2 workers) over the
# same database; nothing is fetched from it (our status checks read the database).
PUBLIC_BASE_URL = f"http://{wrk.HOST}:8000"


@dataclass(frozen=True)
class Scenario:
    """One comparison: the same POSTs to our server and to a bare one."""

    name: str
    ours: wrk.Server
    bare: wrk.Server
    ours_targets: Callable[[float], Sequence[wrk.Target]]  # for a run of that many seconds
    bare_targets: Sequence[wrk.Target]
    body: str = ""
    seen: Callable[[float], None] = lambda rate: None  # told each measured rate of ours


@dataclass(frozen=True)
class Timing:
    seconds: float
    warmup: float
    rounds: int

    @classmethod
    def of(cls, run: Run) -> Timing:
        return cls(2, 1, 1) if run.quick else cls(5, 2, 3)


def compare(
    run: Run, load: wrk.Load, timing: Timing, scenarios: Sequence[Scenario]
) -> dict[str, dict[str, float]]:
    """Each scenario's medians (``wrk.summarise``), rounds interleaved across scenarios."""
    runs: dict[str, dict[str, list[wrk.WrkRun]]] = {
        scenario.name: {"ours": [], "bare": []} for scenario in scenarios
    }
    for round_number in range(timing.rounds + 1):  # round 0 is the warm-up
        seconds = timing.warmup if round_number == 0 else timing.seconds
        for scenario in scenarios:
            what = "warm-up" if round_number == 0 else f"round {round_number}/{timing.rounds}"
            run.progress(f"{scenario.name}: {what}")
            targets = scenario.ours_targets(seconds)
            ours = wrk.run_wrk(load, scenario.ours, targets, seconds, scenario.body)
            bare = wrk.run_wrk(load, scenario.bare, scenario.bare_targets, seconds, scenario.body)
            scenario.seen(wrk.checked(f"{scenario.name} (ours)", ours).rate)
            wrk.checked(f"{scenario.name} (bare)", bare)
            if round_number:
                runs[scenario.name]["ours"].append(ours)
                runs[scenario.name]["bare"].append(bare)
    return {name: wrk.summarise(sides) for name, sides in runs.items()}


class Demo:
    """What the benchmark reads from a running ``serve --demo`` through its API."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.presentations: list[wrk.Target] = []
        self.qrs: list[str] = []  # each presented certificate's credential QR, in turn
        self.qr = ""
        for citizen in load_json("citizens.json")["people"]:
            self._sign_in(citizen["id_number"])
        if not self.presentations or not self.qr:
            raise SystemExit("no demo certificate could be presented")
        self.jwks = self._issuer_keys()

    def _sign_in(self, id_number: str) -> None:
        login = self.http.post(
            "/wallet/login", json={"id_number": id_number, "password": DEMO_PASSWORD}
        )
        login.raise_for_status()
        token = login.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        for certificate in self.http.get("/wallet/certificates", headers=headers).json():
            path = f"/wallet/certificates/{certificate['identifier']}"
            if self.http.post(f"{path}/presentation", headers=headers).status_code == 200:
                self.presentations.append(wrk.Target(f"{path}/presentation", token))
                self.qrs.append(self.http.get(path, headers=headers).json()["qr"])
                self.qr = self.qr or self.qrs[-1]

    def _issuer_keys(self) -> list[dict[str, str]]:
        """Every issuer's public keys, as a verifier would fetch them."""
        keys: list[dict[str, str]] = []
        for issuer in self.http.get("/issuers").json():
            keys.extend(self.http.get(f"/issuers/{issuer['uscc']}/jwks.json").json()["keys"])
        return keys

    def verifies(self, base: str) -> None:
        """SystemExit unless the QR verifies valid at ``base`` (ours or bare) before load."""
        answer = httpx.post(f"{base}/verify", json={"qr": self.qr}, timeout=30)
        if answer.status_code != 200 or not answer.json().get("valid"):
            raise SystemExit(f"{base}/verify: {answer.status_code} {answer.text[:400]}")


def ours_environment(admin_token: str) -> dict[str, str]:
    """Our server's settings: both servers serve one database (the demo seeded once,
    sessions kept) at one public address, so the QR and the tokens stay valid."""
    return wrk.clean_environment(
        ELICENSE_ADMIN_TOKEN=admin_token,
        ELICENSE_PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        **wrk.BENCH_SETTINGS,
    )


def one_worker(
    run: Run, load: wrk.Load, timing: Timing, workdir: Path, admin_token: str
) -> tuple[Demo, list[Figure]]:
    with ExitStack() as stack:
        run.progress("starting elicense serve --demo and the bare baselines, 1 worker")
        env = ours_environment(admin_token)
        ours = stack.enter_context(wrk.started(wrk.elicense_argv(1), workdir, env, "elicense-1"))
        pull_bare = stack.enter_context(
            wrk.started(wrk.bare_argv("pull_baseline", 1), workdir, wrk.clean_environment(), "pull")
        )
        ours_base = ours.wait_ready()
        run.progress("signing in the demo citizens, seeding grants")
        demo = Demo(ours_base)
        stack.callback(demo.http.close)
        demo.verifies(ours_base)
        bare = start_bare(stack, workdir, demo, 1)
        pulls = pull_bench.Ours(ours_base, admin_token)
        stack.callback(pulls.http.close)
        pulls.check_one_pull()
        pull_bare.wait_ready()

        def pull_seen(rate: float) -> None:
            pulls.rate = max(pulls.rate, rate)

        scenarios = [
            verify_scenario(demo, ours, bare, 1),
            Scenario(
                "presentation", ours, bare,
                lambda _s: demo.presentations,
                [wrk.Target(f"/present/{n}") for n in range(len(demo.qrs))],
            ),
            Scenario(
                "consent pull", ours, pull_bare,
                pulls.targets, pull_bench.bare_targets(), pull_bench.BODY, pull_seen,
            ),
        ]  # fmt: skip
        numbers = compare(run, load, timing, scenarios)
    return demo, [
        *verify_figures(numbers["POST /verify, 1 worker"], 1),
        throughput("presentation, 1 worker", numbers["presentation"], "bare: sign + SVG QR"),
        throughput(
            "consent pull (5 certificates), 1 worker",
            numbers["consent pull"],
            "bare: 5 SD-JWT VCs + KB-JWTs",
        ),
    ]


def two_workers(
    run: Run, load: wrk.Load, timing: Timing, workdir: Path, admin_token: str, demo: Demo
) -> list[Figure]:
    with ExitStack() as stack:
        run.progress("starting elicense serve --demo and the bare baseline, 2 workers")
        env = ours_environment(admin_token)
        ours = stack.enter_context(wrk.started(wrk.elicense_argv(2), workdir, env, "elicense-2"))
        ours_base = ours.wait_ready()
        demo.verifies(ours_base)
        bare = start_bare(stack, workdir, demo, 2)
        numbers = compare(run, load, timing, [verify_scenario(demo, ours, bare, 2)])
    return verify_figures(numbers["POST /verify, 2 workers"], 2)


def start_bare(stack: ExitStack, workdir: Path, demo: Demo, workers: int) -> wrk.Server:
    """benchmarks/http_bare.py with the demo's QR and issuer keys; checked to verify."""
    given = workdir / f"bare-input-{workers}.json"
    given.write_text(json.dumps({"qr": demo.qr, "qrs": demo.qrs, "jwks": demo.jwks}), "utf-8")
    env = wrk.clean_environment(HTTP_BARE_INPUT=str(given))
    argv = wrk.bare_argv("http_bare", workers)
    server = stack.enter_context(wrk.started(argv, workdir, env, f"bare-{workers}"))
    demo.verifies(server.wait_ready())
    return server


def verify_scenario(demo: Demo, ours: wrk.Server, bare: wrk.Server, workers: int) -> Scenario:
    targets = [wrk.Target("/verify")]
    name = f"POST /verify, {workers} worker{'s' if workers > 1 else ''}"
    body = json.dumps({"qr": demo.qr})
    return Scenario(name, ours, bare, lambda _s: targets, targets, body)


def verify_figures(numbers: dict[str, float], workers: int) -> list[Figure]:
    name = f"POST /verify, {workers} worker{'s' if workers > 1 else ''}"
    floor = "bare: Base45 + zlib + COSE + Ed25519"
    p50 = f"p50 {numbers['ours_p50_ms']:.1f} ms vs {numbers['bare_p50_ms']:.1f} ms (bare)"
    return [
        throughput(name, numbers, floor, VERIFY_TARGET),
        Figure(
            SUITE, f"{name}, p99", numbers["ours_p99_ms"], numbers["bare_p99_ms"], "ms",
            f"{floor}, p99", note=p50,
        ),
    ]  # fmt: skip


def throughput(
    name: str, numbers: dict[str, float], floor: str, target: Target = SIGNING_TARGET
) -> Figure:
    note = (
        f"p99 {numbers['ours_p99_ms']:.1f} ms vs {numbers['bare_p99_ms']:.1f} ms (bare);"
        f" server CPU per request {numbers['ours_cpu_us']:.0f} µs vs"
        f" {numbers['bare_cpu_us']:.0f} µs ({numbers['ratio_cpu_us']:.2f}x)"
    )
    return Figure(
        SUITE, name, numbers["ours_rps"], numbers["bare_rps"], "req/s", floor, target, note
    )


def figures(run: Run) -> list[Figure]:
    """The suite: verify (1 and 2 workers), presentation and pull (1 worker)."""
    load = wrk.Load(connections=32, threads=2, wrk=wrk.find_wrk())
    timing = Timing.of(run)
    admin_token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="http-speed-") as tmp:
        demo, found = one_worker(run, load, timing, Path(tmp), admin_token)
        found += two_workers(run, load, timing, Path(tmp), admin_token, demo)
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short round (about 40 s)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    found = figures(Run(quick=args.quick, suite=SUITE))
    for figure in found:
        verdict = {True: "met", False: "NOT met", None: ""}[figure.met]
        print(
            f"{figure.name:<42} {figure.ours:9.1f} vs {figure.floor:9.1f} {figure.unit:<5} "
            f"ratio {figure.ratio:5.2f}  {figure.target or ''!s:<12} {verdict:<8} {figure.note}"
        )
    if args.json:
        rows = [{**vars(f), "ratio": f.ratio, "target": str(f.target or "")} for f in found]
        print(json.dumps({"http_speed": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
