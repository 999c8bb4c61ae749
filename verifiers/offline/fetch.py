"""Fetching for ``sync``: an injectable ``fetch(url, headers) -> body``, and the default.

The default is the standard library (``urllib.request``), so the offline package
needs no HTTP client library: http and https only, a cap on the body so a hostile or
broken server cannot fill memory, and a total :class:`Deadline`.

Why a deadline and not only a timeout: a socket timeout bounds each read, so a server
that trickles one byte every few seconds never trips it and can hold a fetch (and a
sync of many fetches) for as long as it likes, in the status line, the headers, the
TLS handshake or the body. A :class:`Deadline` is one budget for a whole run of
requests: every connection it opens is watched, and when the budget is spent the
watch shuts the socket down, which ends whatever read is blocked on it; the request
then fails with :class:`DeadlinePassed`. Any ``urllib`` request can be bounded this
way through :meth:`Deadline.opener`.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from issuers.errors import DeadlinePassed, FetchFailed

# The two errors live in the one tree (issuers.errors); re-exported for the offline package.
__all__ = [
    "DEFAULT_DEADLINE_S",
    "DEFAULT_MAX_FETCH_BYTES",
    "DEFAULT_TIMEOUT_S",
    "Deadline",
    "DeadlinePassed",
    "Fetch",
    "FetchFailed",
    "urllib_fetch",
]

Fetch = Callable[[str, dict[str, str]], bytes]
DEFAULT_TIMEOUT_S = 10.0  # per socket operation
DEFAULT_DEADLINE_S = 30.0  # for everything one call (or one sync) does on the network
DEFAULT_MAX_FETCH_BYTES = 8 << 20  # a full status list token is at most ~6.3 MiB


class Deadline:
    """A total time budget for a run of network calls; see the module docstring.

    A context manager: leaving it stops the watches of connections still open.
    ``monotonic`` is injectable for tests of the bookkeeping; the watches themselves
    run on real time (``threading.Timer``).
    """

    def __init__(self, seconds: float, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        if not (math.isfinite(seconds) and seconds > 0):
            raise ValueError("a deadline is a positive number of seconds")
        self.seconds = seconds
        self._monotonic = monotonic
        self._end = monotonic() + seconds
        self._lock = threading.Lock()
        self._watches: list[threading.Timer] = []
        self.cut = False  # a watch shut a connection down: what it read may be partial

    def remaining(self) -> float:
        return self._end - self._monotonic()

    def expired(self) -> bool:
        return self.cut or self.remaining() <= 0

    def check(self, what: str) -> None:
        """Raise DeadlinePassed, naming ``what``, if the budget is spent."""
        if self.expired():
            raise DeadlinePassed(f"{what}: {self.explain()}")

    def explain(self) -> str:
        return f"no complete answer within the {self.seconds:g} s deadline"

    def budget(self, timeout: float | None) -> float:
        """A per-operation timeout that does not outlast the deadline."""
        left = self.remaining()
        if left <= 0:
            raise DeadlinePassed(self.explain())
        return left if timeout is None else min(timeout, left)

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the budget is spent (unless this is closed first)."""
        timer = threading.Timer(max(self.remaining(), 0.0), self._cut, args=(sock,))
        timer.daemon = True
        with self._lock:
            self._watches.append(timer)
        timer.start()

    def _cut(self, sock: socket.socket) -> None:
        self.cut = True
        with contextlib.suppress(OSError):  # closed meanwhile: nothing to cut
            sock.shutdown(socket.SHUT_RDWR)

    def opener(
        self, *handlers: urllib.request.BaseHandler, context: ssl.SSLContext | None = None
    ) -> urllib.request.OpenerDirector:
        """A ``urllib`` opener whose http and https connections this deadline watches,
        with ``handlers`` added (e.g. one that refuses redirects); ``context`` for https
        (default: the system's trusted CAs, hostname checked)."""
        redirects = [] if _redirect_handler_in(handlers) else [_WebOnlyRedirects()]
        return urllib.request.build_opener(
            _WatchedHTTPHandler(self), _WatchedHTTPSHandler(self, context), *redirects, *handlers
        )

    def close(self) -> None:
        with self._lock:
            watches, self._watches = self._watches, []
        for timer in watches:
            timer.cancel()

    def __enter__(self) -> Deadline:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def urllib_fetch(
    url: str,
    headers: dict[str, str],
    *,
    deadline: Deadline | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_FETCH_BYTES,
    context: ssl.SSLContext | None = None,
) -> bytes:
    """GET ``url`` with the standard library; raise FetchFailed unless a 2xx body of at
    most ``max_bytes`` arrives before ``deadline`` (by default, DEFAULT_DEADLINE_S for
    this one call), with no socket operation taking over ``timeout`` seconds. ``context``
    is the TLS context for https (default: the system's CAs)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchFailed(f"{url}: only http and https are fetched")
    if deadline is None:
        with Deadline(DEFAULT_DEADLINE_S) as own:
            return urllib_fetch(
                url, headers, deadline=own, timeout=timeout, max_bytes=max_bytes, context=context
            )
    deadline.check(url)
    request = urllib.request.Request(url, headers=headers)  # noqa: S310  (scheme checked above)
    try:
        opener = deadline.opener(context=context)
        with opener.open(request, timeout=deadline.budget(timeout)) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchFailed(f"{url}: {declared} bytes is over the {max_bytes} cap")
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FetchFailed(f"{url}: HTTP {exc.code}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:  # URLError, timeouts
        deadline.check(url)
        raise FetchFailed(f"{url}: {exc.__class__.__name__}: {exc}") from None
    deadline.check(url)  # cut off mid-body, the body may look whole: it is not
    if len(data) > max_bytes:
        raise FetchFailed(f"{url}: the body is over the {max_bytes} byte cap")
    return data


def _redirect_handler_in(handlers: tuple[urllib.request.BaseHandler, ...]) -> bool:
    return any(isinstance(handler, urllib.request.HTTPRedirectHandler) for handler in handlers)


class _WebOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http and https only. urllib also follows one to ftp://,
    whose connection no deadline watches: an FTP server trickling its greeting would
    hold the fetch for as long as it liked."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.HTTPError(
                newurl, code, f"{msg}: a redirect to {newurl[:200]!r} is not followed", headers, fp
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Watched:
    """Opens the connection's socket within the deadline's budget and watches it (the
    raw TCP socket, before any TLS handshake, so the handshake is bounded too)."""

    _deadline: Deadline

    def _watched_connection(
        self,
        address: tuple[str, int],
        timeout: float | None = None,
        source_address: tuple[str, int] | None = None,
    ) -> socket.socket:
        """``socket.create_connection``, but each address is tried with what is left of
        the budget: that function gives every address the same timeout, so a name with
        many addresses that never answer would take that many times the budget."""
        host, port = address
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in socket.getaddrinfo(
            host, port, 0, socket.SOCK_STREAM
        ):
            budget = self._deadline.budget(timeout)  # DeadlinePassed once it is spent
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(budget)
                if source_address is not None:
                    sock.bind(source_address)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            self._deadline.watch(sock)
            return sock
        raise error or OSError(f"{host}: the name has no address")


class _WatchedHTTPConnection(_Watched, http.client.HTTPConnection):
    def __init__(self, host: str, *, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._deadline = deadline
        # http.client opens every connection through this attribute (set in __init__).
        self._create_connection = self._watched_connection


class _WatchedHTTPSConnection(_Watched, http.client.HTTPSConnection):
    def __init__(self, host: str, *, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._deadline = deadline
        self._create_connection = self._watched_connection

    def connect(self) -> None:
        """HTTPSConnection.connect, but the TLS socket is watched before its handshake:
        wrapping detaches the TCP socket object, so a watch on that one alone could no
        longer cut anything off, and a server could trickle the handshake."""
        http.client.HTTPConnection.connect(self)  # TCP, watched; and any proxy tunnel
        tunnel: str | None = getattr(self, "_tunnel_host", None)
        context: ssl.SSLContext = self._context  # type: ignore[attr-defined]
        sock = context.wrap_socket(
            self.sock, server_hostname=tunnel or self.host, do_handshake_on_connect=False
        )
        self._deadline.watch(sock)
        try:
            sock.do_handshake()
        except BaseException:
            sock.close()  # it owns the descriptor now; self.sock is the detached shell
            raise
        self.sock = sock


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def connection(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            return _WatchedHTTPConnection(host, deadline=self._deadline, **kwargs)

        return self.do_open(connection, req)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline, context: ssl.SSLContext | None) -> None:
        super().__init__()
        self._deadline = deadline
        self._tls = context

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def connection(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            return _WatchedHTTPSConnection(host, deadline=self._deadline, **kwargs)

        return self.do_open(connection, req, context=self._tls)
