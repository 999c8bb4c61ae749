"""A server that trickles: a real socket on 127.0.0.1 answering a byte every DRIP_S.

No per-read timeout ever trips on it, so only a total deadline ends a client's call
(``elicense sync``, and the CLI's device and presentation verbs). Used by
``tests/verifiers/test_sync_deadline.py``, ``test_trust_review.py`` and
``tests/wallet/cli/test_device_deadline.py``. The deadlines are short (a second or
two) so the tests stay quick; SLACK_S is what a loaded machine may add.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

DRIP_S = 0.3  # one byte this often: far inside any per-read timeout
DEADLINE_S = 1.5
SLACK_S = 3.0  # thread start-up, a loaded machine


class Trickler:
    """Accepts connections; answers each with ``head`` sent whole, then ``drip`` one byte
    every DRIP_S, until the client goes away or the test ends. It reads the request
    first, unless ``listen_first`` is False (a server that speaks first, as FTP does)."""

    def __init__(self, head: bytes, drip: bytes, *, listen_first: bool = True) -> None:
        self.head, self.drip, self.listen_first = head, drip, listen_first
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.threads: list[threading.Thread] = []

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._answer, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                if self.listen_first:
                    conn.recv(65536)  # the request
                conn.sendall(self.head)
                for byte in self.drip:
                    if self.stop.wait(DRIP_S):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:  # the client hung up: what a deadline does
                return


@contextmanager
def running_trickler(head: bytes, drip: bytes, *, listen_first: bool = True) -> Iterator[Trickler]:
    """A :class:`Trickler` serving in a thread, stopped and joined on the way out."""
    server = Trickler(head, drip, listen_first=listen_first)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        thread.join(timeout=5)
        for answering in server.threads:
            answering.join(timeout=5)
        server.listener.close()


# What a trickler sends: (head sent whole, then dripped a byte at a time).
STATUS_LINE = (b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X: y\r\n" * 500)
BODY = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n",
    b"[" + b" " * 3998 + b"]",
)
UNTIL_CLOSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n", b"[" + b" " * 4000)
