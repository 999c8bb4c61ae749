"""What a per-client rate limit costs a request (issuers.api.rate_limits, memory storage,
moving windows), against a raw Ed25519 verify (the floor of ``POST /verify``).

Three cases, each a median of interleaved rounds:

* the default ``verify`` limits (``20/second;600/minute``), a new address each time
  (many clients, each well under its limit);
* one client at 1,000 requests in its window (a moving window keeps one timestamp per
  request it covers, and the memory storage moves them on each hit): what a busy
  client costs under a generous limit such as the benchmarks' own;
* a refusal (one client over ``10/minute``): the 429's bookkeeping;

and the storage's background sweep: the CPU used while 10,000 clients' keys sit in
their windows and requests trickle in, ours (a sweep a second) against ``limits``' own
memory storage (a sweep every 10 ms).

Run: ``.venv/bin/python -m benchmarks.rate_limit_cost [--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from benchmarks.harness import Figure, Run
from issuers.api.rate_limits import RateLimiter, SweptMemoryStorage
from issuers.errors import RateLimited

SUITE = "abuse"
MESSAGE = b"x" * 200  # about a credential's signed bytes
BUSY = 1000


def _per_call_us(call: Callable[[int], object], count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        call(i)
    return (time.perf_counter() - started) / count * 1e6


def _refused(limiter: RateLimiter) -> Callable[[int], object]:
    def call(_: int) -> None:
        with contextlib.suppress(RateLimited):
            limiter.hit("verify", "flooder")

    return call


def _busy_client() -> Callable[[int], object]:
    """One client with :data:`BUSY` requests in its window already (a fresh limiter, so
    the timed hits take it from ``BUSY`` to twice that)."""
    limiter = RateLimiter({"verify": "1000000/second"})
    for _ in range(BUSY):
        limiter.hit("verify", "busy")
    return lambda _: limiter.hit("verify", "busy")


def figures(run: Run) -> list[Figure]:
    rounds, count = (3, 2_000) if run.quick else (9, 10_000)
    key = Ed25519PrivateKey.generate()
    signature, public = key.sign(MESSAGE), key.public_key()
    many = RateLimiter()
    over = RateLimiter({"verify": "10/minute"})
    cases: dict[str, Callable[[int], object]] = {
        "floor": lambda _: public.verify(signature, MESSAGE),
        "many clients": lambda i: many.hit(
            "verify", f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
        ),
        "busy client": lambda _: None,  # replaced each round, below
        "refusal": _refused(over),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for number in range(rounds):
        run.progress(f"round {number + 1}/{rounds}")
        cases["busy client"] = _busy_client()
        for name, call in cases.items():
            times[name].append(_per_call_us(call, BUSY if name == "busy client" else count))
    floor = statistics.median(times["floor"])
    notes = {
        "many clients": "default verify limits (20/second;600/minute), a new address each hit",
        "busy client": "1,000,000/second, its window holding 1,000 to 2,000 requests",
        "refusal": "10/minute, one address over it: refused, the window read for Retry-After",
    }
    return [*hit_figures(times, floor, rounds, notes), sweep_figure(run)]


def hit_figures(
    times: dict[str, list[float]], floor: float, rounds: int, notes: dict[str, str]
) -> list[Figure]:
    return [
        Figure(
            suite=SUITE,
            name=f"rate limit, {name}",
            ours=statistics.median(times[name]),
            floor=floor,
            unit="µs",
            floor_name="raw Ed25519 verify",
            note=notes[name] + f"; medians of {rounds} interleaved rounds",
        )
        for name in ("many clients", "busy client", "refusal")
    ]


def _background_cpu(hit: Callable[[str], object], seconds: float) -> float:
    """Percent of a core this process uses while one request comes every 5 ms."""
    cpu, wall = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall < seconds:
        hit("trickle")
        time.sleep(0.005)
    return (time.process_time() - cpu) / (time.perf_counter() - wall) * 100


def _with_clients(storage: MemoryStorage, clients: int) -> Callable[[str], object]:
    """Moving windows over ``storage`` (as RateLimiter counts), ``clients`` keys in them."""
    strategy = MovingWindowRateLimiter(storage)
    items = parse_many("1000/second;100000/minute")

    def hit(key: str) -> object:
        return [strategy.hit(item, "verify", key) for item in items]

    for i in range(clients):
        hit(f"client-{i}")
    return hit


def sweep_figure(run: Run) -> Figure:
    """The memory storage's background sweep (issuers.api.rate_limits.SweptMemoryStorage):
    CPU while 10,000 clients' keys are in their windows and requests trickle in."""
    seconds, clients = (1.0, 10_000) if run.quick else (3.0, 10_000)
    ours: list[float] = []
    theirs: list[float] = []
    for number in range(3):
        run.progress(f"background CPU with {clients} clients, round {number + 1}/3")
        ours.append(_background_cpu(_with_clients(SweptMemoryStorage(), clients), seconds))
        theirs.append(_background_cpu(_with_clients(MemoryStorage(), clients), seconds))
    return Figure(
        suite=SUITE,
        name=f"rate limit storage, CPU with {clients:,} clients in window",
        ours=statistics.median(ours),
        floor=statistics.median(theirs),
        unit="% of a core",
        floor_name="limits' MemoryStorage (a sweep every 10 ms)",
        note=f"one request every 5 ms; medians of 3 alternating rounds of {seconds:g} s",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for figure in figures(Run(quick=args.quick, suite=SUITE)):
        print(
            f"{figure.name}: {figure.ours:.2f} {figure.unit} against {figure.floor:.2f}"
            f" ({figure.floor_name}): {figure.ratio:.3f}x; {figure.note}"
        )


if __name__ == "__main__":
    main()
