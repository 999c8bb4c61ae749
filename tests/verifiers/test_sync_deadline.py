"""``elicense sync`` has one total deadline: a server that trickles a byte every few
tenths of a second (so no per-read timeout ever trips) cannot keep it running.

The tricklers (:mod:`tests.verifiers.trickler`) are real sockets on 127.0.0.1, served
from a thread; the deadlines are short (a second or two) so the tests stay quick.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.verifiers.offline_world import NOW, ZJ_ANCHOR
from tests.verifiers.trickler import (
    BODY,
    DEADLINE_S,
    DRIP_S,
    SLACK_S,
    STATUS_LINE,
    UNTIL_CLOSE,
    Trickler,
    running_trickler,
)
from verifiers.offline import Deadline, DeadlinePassed, FetchFailed, sync, urllib_fetch
from wallet.cli.main import main


@pytest.fixture
def trickler(request: pytest.FixtureRequest) -> Iterator[Trickler]:
    with running_trickler(*request.param) as server:
        yield server


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


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made here: nothing leaves the test."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.parametrize("where", ["handshake", "body"])
def test_an_https_fetch_ends_at_its_deadline_too(where: str, tmp_path: Path) -> None:
    """Wrapping a socket in TLS hands its descriptor to a new socket object: the watch
    must be on that one, or a trickled TLS body (or handshake) runs on for ever."""
    cert, key = self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            try:
                if where == "handshake":
                    conn.recv(65536)  # the ClientHello; then a 16 KiB record, byte by byte
                    conn.sendall(b"\x16\x03\x03\x3f\xff")
                    while not stop.wait(DRIP_S):
                        conn.sendall(b"\x00")
                    return
                with server_tls.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(65536)
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                    while not stop.wait(DRIP_S):
                        tls.sendall(b" ")
            except OSError:  # the client hung up, or the handshake failed: either is fine
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_tls = ssl.create_default_context(cafile=str(cert))
    url = f"https://127.0.0.1:{listener.getsockname()[1]}/status/lists"
    started = time.monotonic()
    try:
        with Deadline(DEADLINE_S) as deadline, pytest.raises(DeadlinePassed):
            urllib_fetch(url, {}, deadline=deadline, timeout=10, context=client_tls)
        assert time.monotonic() - started < DEADLINE_S + SLACK_S
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
