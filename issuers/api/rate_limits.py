"""Per-client rate limits on the routes a flood could use: verify, image verify, login,
the OAuth token endpoint and consent pulls (the ``limits`` library, moving windows).

A *group* of routes shares one set of limits, written in the ``limits`` string syntax
(``"20/second;600/minute"``: every limit must hold). Each client is counted on its
own, under a key the route chooses:

============== ==================================================== ======================
group          routes                                               key
============== ==================================================== ======================
verify         ``POST /verify``, ``POST /inspector`` (QR text)      the client's address
verify_image   ``POST /verify/image``, ``POST /inspector`` (image)  the client's address
login          ``POST /wallet/login``, ``POST /web/login``          the client's address
token_address  ``POST /oauth/token``, before authenticating         the client's address
token          ``POST /oauth/token``, once authenticated            the client_id
pull           ``POST /consent/grants/{id}/pull``                   the client_id
============== ==================================================== ======================

The address is the ASGI ``client`` the server hands over: the peer, or, behind a proxy
the server trusts (``elicense serve`` passes ``ELICENSE_TRUSTED_PROXIES`` to uvicorn's
``forwarded_allow_ips``), the rightmost address in ``X-Forwarded-For`` that is not one
of those proxies. Nobody else can choose their key by sending the header.

A refused request is :class:`~issuers.errors.RateLimited`: 429 ``rate_limited`` with
``Retry-After``, the whole seconds until the moving window has room again.

A moving window remembers one timestamp per counted request, and the memory storage
moves them on each hit: prefer a limit per second or minute to a huge one per day.
With ``memory://`` each process counts alone; :class:`RateLimiter`'s ``share`` divides
each limit among the processes that count it (``elicense serve --workers N``), and a
shared storage (``redis://...``) counts exactly across processes and machines.
"""

from __future__ import annotations

import bisect
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from issuers.api.provided import service_of
from issuers.errors import RateLimited

__all__ = [
    "DEFAULT_LIMITS",
    "GROUPS",
    "RateLimiter",
    "client_address",
    "limit_by_address",
    "parse_limits",
]

log = logging.getLogger("elicense.rate_limits")

# Generous for a person and a busy inspector device, tight enough to stop a flood.
DEFAULT_LIMITS: Final[Mapping[str, str]] = {
    # A gate's inspector scans every second or two; offices share one address.
    "verify": "20/second;600/minute",
    # A photo is read by zxing-cpp (tens of ms of CPU): a person takes a few a minute.
    "verify_image": "5/second;60/minute",
    # Per address, over the per-account lockout (wallet.accounts): a service hall's
    # kiosks share one address, a password-guessing script is stopped.
    "login": "20/minute;200/hour",
    # Every token request costs an argon2 hash; a client needs one every few minutes.
    "token_address": "60/minute",
    "token": "30/minute",
    # Each pull signs SD-JWTs and renders cards: a province's bundle service, busy.
    "pull": "50/second;1000/minute",
}
GROUPS: Final = tuple(DEFAULT_LIMITS)
SWEEP_SECONDS: Final = 1.0  # how often expired entries are dropped (memory storage)
UNKNOWN_ADDRESS: Final = "unknown"


def parse_limits(overrides: Mapping[str, str]) -> dict[str, tuple[RateLimitItem, ...]]:
    """Every group's limits: ``overrides`` over :data:`DEFAULT_LIMITS`. A group that does
    not exist or a string ``limits`` cannot parse is a :class:`ValueError` naming it."""
    unknown = sorted(set(overrides) - set(GROUPS))
    if unknown:
        raise ValueError(f"no rate-limit group {', '.join(unknown)} (groups: {', '.join(GROUPS)})")
    parsed: dict[str, tuple[RateLimitItem, ...]] = {}
    for group in GROUPS:
        text = overrides.get(group, DEFAULT_LIMITS[group])
        try:
            items = tuple(parse_many(text))
        except ValueError:
            raise ValueError(f"rate limit {group}: cannot read {text!r}") from None
        if not items:
            raise ValueError(f"rate limit {group}: no limit in {text!r}")
        parsed[group] = items
    return parsed


def _shared(item: RateLimitItem, share: int) -> RateLimitItem:
    """``item`` for one of ``share`` processes counting alone (rounded up, at least 1)."""
    if share == 1:
        return item
    return type(item)(max(1, math.ceil(item.amount / share)), item.multiples, item.namespace)


class SweptMemoryStorage(MemoryStorage):
    """``limits``' memory storage, its expired entries swept every
    :data:`SWEEP_SECONDS` rather than every 10 ms.

    The memory storage starts a timer thread 10 ms after a hit whenever none runs, and
    that thread walks every key. Under steady traffic that is a new thread 100 times a
    second and a walk over every client seen in the longest window. Measured with
    10,000 clients in their windows and one request every 5 ms
    (``python -m benchmarks.rate_limit_cost``, 2 shared cores): 38.7 % of a core for
    that storage, 3.7 % for this one.
    The sweep only frees memory: a moving window ignores an entry older than the window
    whether or not it was swept, so counting is unchanged; a key's list holds at most
    one sweep interval of stale entries more. And a client whose window emptied is
    forgotten (the base class kept its key for good).
    """

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.timer.cancel()  # the base class's first 10-ms sweep: ours replaces it
        self._start_sweep()

    # Overrides MemoryStorage.__schedule_expiry (name-mangled): the base class calls
    # self.__schedule_expiry() on each hit. tests/wallet/server/test_rate_limits.py
    # fails if a new ``limits`` renames it.
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - the mangled name
        if not self.timer.is_alive():
            self._start_sweep()

    def _start_sweep(self) -> None:
        self.timer = threading.Timer(SWEEP_SECONDS, self._sweep)
        self.timer.daemon = True  # never holds the interpreter's exit for a sweep
        self.timer.start()

    def _sweep(self) -> None:
        """The base class's sweep, which also forgets a key whose window emptied (the
        base keeps it, an empty list for every client ever seen, each walked by every
        sweep after)."""
        now = time.time()
        for key in list(self.events):
            with self.locks[key]:
                if events := self.events.get(key):
                    # Newest first: keep the entries that have not expired yet.
                    del events[bisect.bisect_left(events, -now, key=lambda e: -e.expiry) :]
                if not self.events.get(key):
                    self.events.pop(key, None)
                    self.locks.pop(key, None)
        for key in list(self.expirations):
            if self.expirations.get(key, now) <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)
        if self.events or self.expirations:
            # What has not expired yet is swept by the next round: without it, the last
            # entries of a limiter gone quiet stayed until the next hit started a sweep.
            self._start_sweep()


class RateLimiter:
    """Counts requests per group and key in a ``limits`` storage (``memory://`` or a
    shared one, e.g. ``redis://host:6379``), with exact moving windows."""

    def __init__(
        self,
        limits: Mapping[str, str] | None = None,
        storage_uri: str = "memory://",
        *,
        share: int = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # The storage keeps its own time (time.time): ``clock`` only turns its reset
        # time into Retry-After, and must be that same clock.
        self._limits = {
            group: tuple(_shared(item, share) for item in items)
            for group, items in parse_limits(limits or {}).items()
        }
        self._storage = (
            SweptMemoryStorage(storage_uri, wrap_exceptions=True)
            if storage_uri.partition("://")[0] == "memory"
            else storage_from_string(storage_uri, wrap_exceptions=True)
        )
        self._strategy = MovingWindowRateLimiter(self._storage)
        self._local = isinstance(self._storage, MemoryStorage)
        self._clock = clock

    def limits(self, group: str) -> tuple[RateLimitItem, ...]:
        """The limits ``group`` is held to in this process."""
        return self._limits[group]

    def hit(self, group: str, key: str) -> None:
        """Count one request of ``key`` in ``group``, or raise :class:`RateLimited` when a
        limit is full (a refused request is counted only in the limits before the one
        that refused it). A storage that cannot be
        reached counts nothing and refuses nothing (logged): limits protect the service,
        they must not take it down."""
        try:
            for item in self._limits[group]:
                if not self._strategy.hit(item, group, key):
                    raise self._refusal(group, item, key)
        except StorageError as exc:
            log.warning("rate limit storage unavailable (%s): %s not counted", exc, group)

    async def hit_async(self, group: str, key: str) -> None:
        """:meth:`hit` from the event loop: in place for the memory storage (a lock and a
        list, microseconds), in the thread pool for one reached over the network."""
        if self._local:
            self.hit(group, key)
        else:
            await run_in_threadpool(self.hit, group, key)

    def _refusal(self, group: str, item: RateLimitItem, key: str) -> RateLimited:
        reset_at = self._strategy.get_window_stats(item, group, key).reset_time
        retry_after = max(1, math.ceil(reset_at - self._clock()))
        return RateLimited(
            f"too many requests ({group}: {item}); try again in {retry_after} s",
            retry_after=retry_after,
            details={"group": group, "limit": str(item), "retry_after": retry_after},
        )


def client_address(request: Request) -> str:
    """The address a request is counted under (see the module's docstring)."""
    client = request.client
    return client.host if client is not None and client.host else UNKNOWN_ADDRESS


_dependencies: dict[str, Callable[[Request], Awaitable[None]]] = {}


def limit_by_address(group: str) -> Callable[[Request], Awaitable[None]]:
    """A route dependency: count the request in ``group`` under the client's address
    (the app's :class:`RateLimiter`, registered with :func:`~issuers.api.provided.provide`).
    A coroutine, so it runs on the event loop, not in a thread-pool hand-off."""
    if group not in DEFAULT_LIMITS:
        raise LookupError(f"no rate-limit group {group!r}")  # a wiring bug, found at import
    dependency = _dependencies.get(group)
    if dependency is None:

        async def limited(request: Request) -> None:
            await service_of(request, RateLimiter).hit_async(group, client_address(request))

        limited.__name__ = f"rate_limit_{group}"
        dependency = _dependencies.setdefault(group, limited)
    return dependency
