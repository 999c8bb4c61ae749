"""What /metrics costs a request: ``POST /verify`` through the real app, with and without
the request-metrics middleware (:class:`wallet.server.metrics.RequestMetrics`).

Both apps are built over the same services in one process (a temporary SQLite
database, one minted resident ID card) and called as ASGI applications directly, no
socket and no client library, so the difference is the middleware and the verdict
counter alone. Interleaved rounds, medians. Run twice, each in a subprocess of its
own: counting in memory (``elicense serve`` with one worker) and in prometheus-client's
multiprocess files (``--workers N``: ``PROMETHEUS_MULTIPROC_DIR`` must be set before
the library is imported, hence the subprocess).

    python -m benchmarks.metrics_overhead [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Figure, Run

ROOT = Path(__file__).resolve().parent.parent
MODES = ("memory", "multiprocess")


def figures(run: Run) -> list[Figure]:
    out: list[Figure] = []
    for mode in MODES:
        run.progress(f"POST /verify with and without request metrics ({mode})")
        result = _child(mode, run.quick)
        out.append(
            Figure(
                suite="metrics",
                name=f"POST /verify in-process, request metrics ({mode})",
                ours=result["with_us"],
                floor=result["without_us"],
                unit="µs",
                floor_name="the same app without the metrics middleware",
                note=(
                    f"{result['rounds']} interleaved rounds of {result['requests']} requests,"
                    f" medians (noisy: the difference is a few µs). The middleware alone around"
                    f" an empty ASGI app: {result['middleware_us']:.1f} µs a request, of which"
                    f" Metrics.request() (count + latency) {result['record_us']:.1f} µs"
                ),
            )
        )
    return out


def _child(mode: str, quick: bool) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with tempfile.TemporaryDirectory(prefix="elicense-metrics-bench-") as scratch:
        if mode == "multiprocess":
            shared = Path(scratch) / "multiproc"
            shared.mkdir()
            env["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
        argv = [sys.executable, "-m", "benchmarks.metrics_overhead", "--child", scratch]
        completed = subprocess.run(
            argv + (["--quick"] if quick else []), cwd=ROOT, env=env,
            capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _measure(scratch: Path, quick: bool) -> dict[str, Any]:
    from issuers.metrics.prometheus import Metrics
    from wallet.server import demo
    from wallet.server.app import create_app, prepare_database
    from wallet.server.metrics import RequestMetrics
    from wallet.server.settings import Settings
    from wallet.server.wiring import build_services

    settings = Settings(
        data_dir=scratch / "var",
        database_url=f"sqlite:///{scratch / 'bench.db'}",
        master_key=base64.b64encode(bytes(range(32))).decode(),  # bench key, thrown away
    )
    services = build_services(settings)
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    card = next(c for c in demo.load_json("certificates.json") if c["type"] == "resident_id")
    qr = services.issuance.mint("resident_id", card["issuer"], card["fields"]).qr
    measured = create_app(services=services, prepare=False)
    bare = create_app(services=services, prepare=False)
    bare.user_middleware = [m for m in bare.user_middleware if m.cls is not RequestMetrics]  # type: ignore[comparison-overlap]
    body = json.dumps({"qr": qr}).encode()
    rounds, requests = (3, 200) if quick else (9, 500)
    times: dict[str, list[float]] = {"with": [], "without": []}
    for app in (measured, bare):  # middleware stacks built, caches warm
        asyncio.run(_round(app, body, 50))
    for _ in range(rounds):
        for name, app in (("with", measured), ("without", bare)):
            times[name].append(asyncio.run(_round(app, body, requests)) / requests)
    record = Metrics()
    started = time.perf_counter()
    for _ in range(20_000):
        record.request("POST", "/verify", 200, 0.001)
    recorded = (time.perf_counter() - started) / 20_000
    wrapped = RequestMetrics(_empty, Metrics())
    alone = [asyncio.run(_round(app, b"", 20_000)) / 20_000 for app in (_empty, wrapped) * 3]
    services.engine.dispose()
    return {
        "middleware_us": (statistics.median(alone[1::2]) - statistics.median(alone[::2])) * 1e6,
        "with_us": statistics.median(times["with"]) * 1e6,
        "without_us": statistics.median(times["without"]) * 1e6,
        "record_us": recorded * 1e6,
        "rounds": rounds,
        "requests": requests,
    }


async def _empty(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app that answers 200 with nothing: the middleware's own cost around it."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _round(app: Any, body: bytes, requests: int) -> float:
    started = time.perf_counter()
    for i in range(requests):
        status = await _post(app, body, i)
        if status != 200:
            raise RuntimeError(f"POST /verify answered {status}")
    return time.perf_counter() - started


async def _post(app: Any, body: bytes, i: int) -> int:
    # Each request from another address: the per-client rate limits never bite.
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/verify", "raw_path": b"/verify", "root_path": "",
        "query_string": b"", "server": ("127.0.0.1", 8000),
        "client": (f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}", 40000),
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(_measure(args.child, args.quick)))
        return 0
    for figure in figures(Run(quick=args.quick, suite="metrics")):
        print(
            f"{figure.name}: {figure.ours:.1f} {figure.unit} against {figure.floor:.1f}"
            f" ({figure.floor_name}): {figure.ratio:.3f}x; {figure.note}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
