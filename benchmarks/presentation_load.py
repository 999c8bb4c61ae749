"""The presentation endpoint under concurrent load, on loopback, against a real server.

Run: ``.venv/bin/python benchmarks/presentation_load.py [--clients 32] [--requests 25]``

It starts ``elicense serve --demo`` (SQLite, in a temporary directory) on a free
loopback port, signs in every demo citizen, and then runs two phases with the same
``--clients`` threads, each sending ``--requests`` requests over its own keep-alive
connection, every request timed on its own:

1. baseline: ``GET /healthz`` (the framework and the loopback, no work);
2. ``POST /wallet/certificates/{id}/presentation``: session lookup, the holder's
   bound credential, a custodial Ed25519 signature, and the SVG QR code.

It prints p50/p90/p99 and throughput for both, and the p50 ratio presentation/healthz.
Each answer must be a 200; at the end a sample of the payloads is checked valid and
dynamic through ``POST /verify``. The client threads share the machine's cores with
the server, so the absolute figures are a floor on what the server alone would do.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wallet.server.demo import DEMO_PASSWORD, load_json  # noqa: E402

HOST = "127.0.0.1"
ELICENSE = Path(sys.executable).with_name("elicense")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(workdir: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    argv = [str(ELICENSE), "serve", "--demo", "--host", HOST, "--port", str(port)]
    server = subprocess.Popen(
        [*argv, "--workers", str(workers)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not come up within 60 s")


def sessions(base: str) -> list[tuple[dict[str, str], str]]:
    """(auth headers, certificate id) for every demo certificate that presents."""
    pairs: list[tuple[dict[str, str], str]] = []
    for citizen in load_json("citizens.json")["people"]:
        login = httpx.post(
            f"{base}/wallet/login",
            json={"id_number": citizen["id_number"], "password": DEMO_PASSWORD},
            timeout=30,
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        for certificate in httpx.get(f"{base}/wallet/certificates", headers=headers).json():
            url = f"{base}/wallet/certificates/{certificate['identifier']}/presentation"
            if httpx.post(url, headers=headers, timeout=30).status_code == 200:  # warm-up
                pairs.append((headers, certificate["identifier"]))
    if not pairs:
        raise SystemExit("no demo certificate could be presented")
    return pairs


def run_phase(
    clients: int, requests: int, call: Callable[[httpx.Client, int, int], httpx.Response]
) -> tuple[list[float], float, list[httpx.Response]]:
    latencies: list[float] = []
    samples: list[httpx.Response] = []
    failures: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        mine: list[float] = []
        with httpx.Client(timeout=60) as http:
            start_line.wait()
            for i in range(requests):
                began = time.perf_counter()
                response = call(http, number, i)
                mine.append(time.perf_counter() - began)
                if response.status_code != 200:
                    with lock:
                        failures.append(f"{response.status_code} {response.text[:200]}")
                elif i == requests - 1:
                    with lock:
                        samples.append(response)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return latencies, elapsed, samples


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, latencies: list[float], elapsed: float) -> float:
    p50 = statistics.median(latencies)
    print(
        f"{name:<34} n={len(latencies):5d}  p50 {p50 * 1e3:7.1f} ms  "
        f"p90 {quantile(latencies, 0.90) * 1e3:7.1f} ms  "
        f"p99 {quantile(latencies, 0.99) * 1e3:7.1f} ms  "
        f"{len(latencies) / elapsed:7.0f} req/s"
    )
    return p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=25, help="per client")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        server, base = start_server(Path(workdir), args.workers)
        try:
            pairs = sessions(base)
            print(
                f"{args.clients} clients x {args.requests} requests, {args.workers} worker(s), "
                f"{len(pairs)} demo certificates across {len({id(h) for h, _ in pairs})} "
                f"sessions; loopback {base}"
            )

            def healthz(http: httpx.Client, _n: int, _i: int) -> httpx.Response:
                return http.get(f"{base}/healthz")

            def present(http: httpx.Client, n: int, i: int) -> httpx.Response:
                headers, identifier = pairs[(n + i) % len(pairs)]
                url = f"{base}/wallet/certificates/{identifier}/presentation"
                return http.post(url, headers=headers)

            base_p50 = report(
                "GET /healthz (baseline)", *run_phase(args.clients, args.requests, healthz)[:2]
            )
            latencies, elapsed, samples = run_phase(args.clients, args.requests, present)
            p50 = report("POST .../presentation", latencies, elapsed)
            print(f"p50 ratio presentation / healthz: {p50 / base_p50:.2f}x")
            for response in samples[:8]:
                verdict = httpx.post(
                    f"{base}/verify", json={"qr": response.json()["payload"]}, timeout=30
                ).json()
                if not verdict["valid"] or verdict["kind"] != "dynamic":
                    raise SystemExit(f"a presentation did not verify: {verdict}")
            print(f"checked: {min(8, len(samples))} sampled presentations verify, kind dynamic")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
