"""``elicense sync`` has one total deadline: a server that trickles a byte every few
tenths of a second (so no per-read timeout ever trips) cannot keep it running.

The tricklers are real sockets on 127.0.0.1, served from a thread; the deadlines are
short (a second or two) so the tests stay quick.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.verifiers.test_offline import NOW, ZJ_ANCHOR
from verifiers.offline import Deadline, DeadlinePassed, FetchFailed, sync, urllib_fetch
from wallet.cli import main

DRIP_S = 0.3  # one byte this often: far inside any per-read timeout
DEADLINE_S = 1.5
SLACK_S = 3.0  # thread start-up, a loaded machine


class Trickler:
    """Accepts connections; answers each with ``head`` sent whole, then ``drip`` one byte
    every DRIP_S, until the client goes away or the test ends."""

    def __init__(self, head: bytes, drip: bytes) -> None:
        self.head, self.drip = head, drip
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
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
                conn.recv(65536)  # the request
                conn.sendall(self.head)
                for byte in self.drip:
                    if self.stop.wait(DRIP_S):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:  # the client hung up: what a deadline does
                return


@pytest.fixture
def trickler(request: pytest.FixtureRequest) -> Iterator[Trickler]:
    head, drip = request.param
    server = Trickler(head, drip)
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


STATUS_LINE = (b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X: y\r\n" * 500)
BODY = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n",
    b"[" + b" " * 3998 + b"]",
)
UNTIL_CLOSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n", b"[" + b" " * 4000)


@pytest.mark.parametrize(
    "trickler", [STATUS_LINE, BODY, UNTIL_CLOSE], indirect=True, ids=["head", "body", "eof"]
)
def test_a_fetch_ends_at_its_deadline_wherever_the_server_trickles(trickler: Trickler) -> None:
    started = time.monotonic()
    with Deadline(DEADLINE_S) as deadline, pytest.raises(DeadlinePassed, match="deadline"):
        urllib_fetch(f"{trickler.base}/trust/anchors", {}, deadline=deadline, timeout=10)
    assert time.monotonic() - started < DEADLINE_S + SLACK_S


def anchor_file(tmp_path: Path) -> Path:
    path = tmp_path / "anchors.json"
    entry = {"region_code": "330000", "jwk": ZJ_ANCHOR.public.public_jwk()}
    path.write_text(json.dumps([entry]))
    return path


@pytest.mark.parametrize("trickler", [BODY], indirect=True)
def test_sync_stops_at_its_deadline_and_says_so(trickler: Trickler, tmp_path: Path) -> None:
    started = time.monotonic()
    report = sync(
        [trickler.base], tmp_path / "cache", [anchor_file(tmp_path)], now=NOW, timeout=DEADLINE_S
    )
    assert time.monotonic() - started < DEADLINE_S + SLACK_S
    [failed] = report.of("failed")
    assert (failed.kind, failed.code) == ("sync", "deadline_exceeded")
    assert f"{DEADLINE_S:g} s" in (failed.message or "")
    assert report.of("stored") == []


@pytest.mark.parametrize("trickler", [STATUS_LINE], indirect=True)
def test_the_cli_answers_a_trickler_with_a_message_and_exit_1(
    trickler: Trickler, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sync", "--server", trickler.base, "--anchor", str(anchor_file(tmp_path))]
    argv += ["--cache", str(tmp_path / "cache"), "--timeout", str(DEADLINE_S)]
    started = time.monotonic()
    assert main(argv) == 1
    assert time.monotonic() - started < DEADLINE_S + SLACK_S
    out, err = capsys.readouterr()
    assert "deadline_exceeded" in out
    assert "--timeout" in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon", "1e999"])
def test_a_bad_timeout_is_a_usage_error(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sync", "--server", "http://127.0.0.1:9", "--anchor", str(anchor_file(tmp_path))]
    argv += ["--cache", str(tmp_path / "cache"), f"--timeout={value}"]
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def test_deadline_bookkeeping_with_an_injected_clock() -> None:
    now = [100.0]
    deadline = Deadline(5, monotonic=lambda: now[0])
    assert deadline.budget(10) == 5
    assert deadline.budget(2) == 2
    now[0] = 104.5
    assert deadline.budget(None) == pytest.approx(0.5)
    deadline.check("still in time")
    now[0] = 105.0
    assert deadline.expired()
    with pytest.raises(DeadlinePassed, match="5 s deadline"):
        deadline.check("x")
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive"):
            Deadline(bad)


def test_an_injected_fetch_is_asked_nothing_once_the_deadline_has_passed(tmp_path: Path) -> None:
    asked: list[str] = []

    def slow(url: str, headers: dict[str, str]) -> bytes:
        asked.append(url)
        time.sleep(0.4)
        raise FetchFailed(f"{url}: HTTP 503")

    report = sync(
        ["http://a.example", "http://b.example", "http://c.example"],
        tmp_path / "cache",
        [anchor_file(tmp_path)],
        now=NOW,
        fetch=slow,
        timeout=1.0,
    )
    assert 1 <= len(asked) <= 3  # 0.4 s each: a fourth would start past 1 s
    *failures, last = [item.code for item in report.of("failed")]
    assert last == "deadline_exceeded"
    # A fetch that ended past the deadline is the deadline's doing, not the server's.
    assert failures == ["fetch_failed"] * len(failures)
    assert len(failures) in (len(asked) - 1, len(asked))
