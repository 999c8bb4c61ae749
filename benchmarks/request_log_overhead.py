"""What the request log costs a request: a FastAPI ``GET /healthz`` called as an ASGI
application (no socket, no client library), with and without
:class:`wallet.server.request_log.RequestLog`, its JSON line formatted as
``elicense serve`` formats it (:class:`wallet.server.logs.JsonFormatter`) and written
to ``/dev/null``. The smallest real request, so the middleware's share is the largest it
can be; interleaved rounds, medians.

    python -m benchmarks.request_log_overhead [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from typing import Any

from fastapi import FastAPI

from benchmarks.harness import Figure, Run

__all__ = ["figures", "main"]


def _app(logged: bool) -> FastAPI:
    from wallet.server.request_log import RequestLog

    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:  # async: no thread hop to blur the difference
        return {"status": "ok"}

    if logged:
        app.add_middleware(RequestLog)
    return app


async def _time(app: Any, requests: int) -> float:
    """Microseconds a request, over ``requests`` sequential ASGI calls."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/healthz", "raw_path": b"/healthz", "root_path": "",
        "query_string": b"", "headers": [(b"host", b"bench")], "server": ("bench", 80),
        "client": ("127.0.0.1", 1),
    }  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - started) / requests * 1e6


def measure(quick: bool) -> dict[str, float]:
    from wallet.server.logs import JsonFormatter

    # serve's formatter on the request logger, written to /dev/null; put back after, so
    # a caller's own logging (a test's) is left as it was.
    handler = logging.FileHandler(os.devnull)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("elicense.access")
    level, propagate = access.level, access.propagate
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False
    rounds, requests = (5, 1000) if quick else (15, 3000)
    apps = {"with": _app(True), "without": _app(False)}
    times: dict[str, list[float]] = {"with": [], "without": []}

    async def rounds_of() -> None:
        for app in apps.values():
            await _time(app, 200)  # warm up: the middleware stack is built at first call
        for _ in range(rounds):
            for name, app in apps.items():
                times[name].append(await _time(app, requests))

    try:
        asyncio.run(rounds_of())
    finally:
        access.removeHandler(handler)
        handler.close()
        access.setLevel(level)
        access.propagate = propagate
    return {
        "with_us": statistics.median(times["with"]),
        "without_us": statistics.median(times["without"]),
        "rounds": rounds,
        "requests": requests,
    }


def figures(run: Run) -> list[Figure]:
    run.progress("GET /healthz in-process, with and without the request log")
    result = measure(run.quick)
    added = result["with_us"] - result["without_us"]
    return [
        Figure(
            suite="logs",
            name="GET /healthz in-process, JSON request log",
            ours=result["with_us"],
            floor=result["without_us"],
            unit="µs",
            floor_name="the same app without the request log",
            note=(
                f"{added:.1f} µs a request for the middleware, the request id and one JSON"
                f" line; {int(result['rounds'])} interleaved rounds of"
                f" {int(result['requests'])} requests, medians"
            ),
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = measure(args.quick)
    added = result["with_us"] - result["without_us"]
    print(
        f"GET /healthz: {result['without_us']:.1f} µs without, {result['with_us']:.1f} µs"
        f" with the request log (+{added:.1f} µs, {result['with_us'] / result['without_us']:.2f}x)"
    )


if __name__ == "__main__":
    main()
