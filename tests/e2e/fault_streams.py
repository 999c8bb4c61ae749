"""Bounded client loops against a running server, and the ledger of what they were told.

Each stream is a thread making one kind of request again and again until told to stop
(or its own bound is reached): every answer goes into a :class:`Ledger` as either an
acknowledgement (a 2xx, with what it acknowledged: an identifier, an application id,
an audit receipt) or a refusal (status, ``Retry-After``, error code); a request that
got no answer at all (a timeout, a reset) is a transport failure. The fault tests then
hold the database to the acknowledgements and the refusals to the error contract.
Not a test module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from issuers.codes.gb11643 import make_resident_id

REQUEST_TIMEOUT_S = 20.0  # a request cut off by a fault must still be answered by then
MAX_ROUNDS = 20_000  # each stream's own bound, whatever the stop event does
RETRY_CAP_S = 0.25  # a refused stream waits Retry-After, but no longer than this
SH_POLICE = "113100000000000017"  # 上海市公安局, a demo issuer of resident ID cards
# ELICENSE_RATE_LIMITS for servers under these streams: a 429 is not what they test.
GENEROUS_LIMITS = '{"pull": "1000/second", "login": "1000/minute"}'


@dataclass(frozen=True)
class Refusal:
    kind: str
    status: int
    retry_after: str | None
    code: str | None
    at: float


@dataclass
class Ledger:
    acks: dict[str, list[str]] = field(default_factory=dict)
    ack_times: dict[str, list[float]] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    transport: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, kind: str, what: str) -> None:
        with self._lock:
            self.acks.setdefault(kind, []).append(what)
            self.ack_times.setdefault(kind, []).append(time.monotonic())

    def refuse(self, kind: str, response: httpx.Response) -> None:
        try:
            code = response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = None
        refusal = Refusal(
            kind, response.status_code, response.headers.get("retry-after"), code, time.monotonic()
        )
        with self._lock:
            self.refusals.append(refusal)

    def lost(self, kind: str, exc: Exception) -> None:
        with self._lock:
            self.transport.append(f"{kind}: {type(exc).__name__}: {exc}")

    def acked_after(self, kind: str, moment: float) -> int:
        return sum(1 for t in self.ack_times.get(kind, []) if t > moment)


_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def mint_body(n: int) -> dict[str, object]:
    """A resident ID card for synthetic citizen ``n`` (< 3,000,000): a 公民身份号码 of
    its own with a valid check digit, the birth date and sex it encodes."""
    born = date(1950, 1, 1) + timedelta(days=n // 1000)
    sequence = n % 1000
    fields = {
        "name": "测" + _GIVEN[n % len(_GIVEN)], "sex": 1 if sequence % 2 else 2,
        "ethnicity": "01", "birth_date": born.isoformat(), "address": "上海市徐汇区示范路1号",
        "id_number": make_resident_id("310104", born, sequence),
        "issuing_authority": "上海市公安局徐汇分局",
    }  # fmt: skip
    return {"type": "resident_id", "fields": fields}


def _backoff(response: httpx.Response) -> float:
    """How long a refused client waits: ``Retry-After``, capped so the test stays short."""
    told = response.headers.get("retry-after", "")
    return min(float(told), RETRY_CAP_S) if told.isdigit() else RETRY_CAP_S


def run_stream(
    ledger: Ledger,
    kind: str,
    stop: threading.Event,
    step: Callable[[httpx.Client, int], tuple[httpx.Response, str] | None],
    base: str,
    *,
    pause_s: float = 0.0,
    rounds: int = MAX_ROUNDS,
) -> threading.Thread:
    """A thread calling ``step(client, round)`` until ``stop`` (at most ``rounds``):
    it returns (the response, what a 2xx acknowledges), or None when it has nothing
    more to do."""

    def loop() -> None:
        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT_S) as http:
            for n in range(rounds):
                if stop.is_set():
                    return
                try:
                    done = step(http, n)
                except httpx.TransportError as exc:
                    ledger.lost(kind, exc)
                    continue
                if done is None:
                    return
                response, what = done
                if response.is_success:
                    ledger.ack(kind, what)
                else:
                    ledger.refuse(kind, response)
                    stop.wait(_backoff(response))  # as a client told Retry-After would
                if pause_s:
                    stop.wait(pause_s)

    thread = threading.Thread(target=loop, name=f"stream-{kind}", daemon=True)
    thread.start()
    return thread
