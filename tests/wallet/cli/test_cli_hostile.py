"""Hostile command lines (issue 8, item 17): every verb answers bad input with a
one-line message and exit 2, never a traceback.

Each case runs the installed ``elicense`` in a subprocess with stdin on /dev/null (or
closed), in a new session (so ``getpass`` finds no terminal), in demo mode against the
test's own database (SQLite or PostgreSQL, from ``database_url``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from issuers.crypto.keys import SigningKey

ELICENSE = Path(sys.executable).with_name("elicense")
HUGE = "99999999999999999999"
LONG_TEXT = "A" * 10_000  # neither QR text nor a possible file name (ENAMETOOLONG)
DEEP_JSON = "[" * 100_000  # json.loads recurses once per level
KID = "ujH7tkxvWCmESeimMGjhCXoYf0FOn4-BqrKhgpxtACI"
DEVICE = ["--server", "http://127.0.0.1:1", "--id-number", "330102197801305178"]
MINT = ["mint", "marriage", "--issuer", "x"]
PRESENT = ["present", "33010220260000000000000000000001", *DEVICE]
NO_PASSWORD = {"ELICENSE_PASSWORD": ""}  # an empty value unsets the variable
CLOSED = "closed"  # run with stdin closed rather than on /dev/null


def _free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


# Should a serve case ever be accepted, it binds a free loopback port, not 8000.
SERVE = ["serve", "--host", "127.0.0.1", "--port", _free_port()]

CASES: list[tuple[str, list[str], dict[str, str], str | None]] = [
    # serve: numbers out of range fail before anything binds
    ("serve-huge-port", [*SERVE, "--port", HUGE], {}, None),
    ("serve-negative-port", [*SERVE, "--port", "-1"], {}, None),
    ("serve-port-0", [*SERVE, "--port", "0"], {}, None),
    ("serve-zero-workers", [*SERVE, "--workers", "0"], {}, None),
    ("serve-huge-workers", [*SERVE, "--workers", HUGE], {}, None),
    ("serve-empty-host", [*SERVE, "--host", ""], {}, None),
    # mint: files that are not JSON objects, values nested past recursion
    ("mint-fields-dir", [*MINT, "--fields-json", "adir"], {}, None),
    ("mint-fields-missing", [*MINT, "--fields-json", "nope"], {}, None),
    ("mint-fields-non-utf8", [*MINT, "--fields-json", "bin"], {}, None),
    ("mint-fields-list", [*MINT, "--fields-json", "list.json"], {}, None),
    ("mint-fields-null", [*MINT, "--fields-json", "null.json"], {}, None),
    ("mint-fields-deep", [*MINT, "--fields-json", "deep.json"], {}, None),
    ("mint-field-deep", [*MINT, "--field", f"a={DEEP_JSON}"], {}, None),
    ("mint-empty-valid-from", [*MINT, "--valid-from", ""], {}, None),
    # verify / qr / verify-offline: arguments that are neither QR text nor a file
    ("verify-empty", ["verify", ""], {}, None),
    ("verify-long-text", ["verify", LONG_TEXT], {}, None),
    ("verify-dir", ["verify", "adir"], {}, None),
    ("verify-empty-stdin", ["verify", "-"], {}, None),
    ("verify-closed-stdin", ["verify", "-"], {}, CLOSED),
    ("verify-offline-long-text", ["verify-offline", LONG_TEXT, "--cache", "adir"], {}, None),
    ("verify-offline-empty-stdin",
     ["verify", "--offline", "--cache", "adir", "--anchor", "anchors.json", "-"], {}, None),
    ("sync-anchor-deep",
     ["sync", "--server", "http://127.0.0.1:1", "--cache", "c", "--anchor", "deep.json"], {},
     None),
    ("verify-bad-database-url", ["verify", "EL1:ABC"], {"ELICENSE_DATABASE_URL": "garbage"}, None),
    ("verify-data-dir-is-a-file", ["verify", "EL1:ABC"],
     {"ELICENSE_DATA_DIR": "bin", "ELICENSE_DATABASE_URL": ""}, None),
    ("mint-data-dir-is-a-file", MINT, {"ELICENSE_DATA_DIR": "bin"}, None),
    ("qr-out-is-a-dir", ["qr", "EL1:ABC", "--out", "adir.png"], {}, None),
    ("qr-out-no-such-dir", ["qr", "EL1:ABC", "--out", "nope/x.png"], {}, None),
    ("qr-long-text", ["qr", LONG_TEXT, "--out", "x.png"], {}, None),
    ("qr-empty-stdin", ["qr", "-", "--out", "x.svg"], {}, None),
    ("qr-closed-stdin", ["qr", "-", "--out", "x.svg"], {}, CLOSED),
    # keys and trust
    ("compromise-naive-since", ["keys", "compromise", KID, "--since", "2024-01-01"], {}, None),
    ("compromise-overflowing-since",
     ["keys", "compromise", KID, "--since", "0001-01-01T00:00:00+14:00"], {}, None),
    ("trust-export-out-dir", ["trust", "export", "330000", "--out", "adir"], {}, None),
    ("trust-export-out-no-such-dir", ["trust", "export", "330000", "--out", "nope/x"], {}, None),
    # status verbs: an identifier that is not UTF-8 text
    ("suspend-non-utf8", ["suspend", "\udcff"], {}, None),
    # the phone: numbers, files, passwords, before any network
    ("present-huge-lifetime", [*PRESENT, "--lifetime", HUGE], {}, None),
    ("present-negative-lifetime", [*PRESENT, "--lifetime", "-5"], {}, None),
    ("present-zero-lifetime", [*PRESENT, "--lifetime", "0"], {}, None),
    ("present-bad-nonce", [*PRESENT, "--nonce", "!!!"], {}, None),
    ("present-long-nonce", [*PRESENT, "--nonce", "A" * 40], {}, None),
    ("present-key-dir", [*PRESENT, "--key", "adir"], {}, None),
    ("present-key-garbage", [*PRESENT, "--key", "bin"], {}, None),
    ("present-out-gif", [*PRESENT, "--out", "x.gif"], {}, None),
    ("present-no-password", PRESENT, NO_PASSWORD, None),
    ("present-no-password-closed-stdin", PRESENT, NO_PASSWORD, CLOSED),
    ("register-key-dir", ["device", "register", *DEVICE, "--key", "adir"], {}, None),
    ("register-key-no-such-dir", ["device", "register", *DEVICE, "--key", "nope/k.pem"], {}, None),
    ("register-key-garbage", ["device", "register", *DEVICE, "--key", "bin"], {}, None),
    ("forget-no-password", ["device", "forget", *DEVICE], NO_PASSWORD, None),
    ("forget-bad-url",
     ["device", "forget", "--server", "http://[::1", "--id-number", "1"], {}, None),
]  # fmt: skip


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "adir").mkdir()
    (tmp_path / "adir.png").mkdir()
    (tmp_path / "bin").write_bytes(b"\xff\xfe\x00not text")
    (tmp_path / "list.json").write_text("[1, 2]", "utf-8")
    (tmp_path / "null.json").write_text("null", "utf-8")
    (tmp_path / "deep.json").write_text(DEEP_JSON, "utf-8")
    anchor = {"region_code": "330000", "kid": "x", "jwk": SigningKey.generate().public.to_jwk()}
    (tmp_path / "anchors.json").write_text(json.dumps([anchor]), "utf-8")
    return tmp_path


def run_cli(
    argv: list[str], env: dict[str, str], cwd: Path, *, closed_stdin: bool
) -> subprocess.CompletedProcess[str]:
    command = [str(ELICENSE), *argv]
    if closed_stdin:  # fd 0 closed, not merely at end of file
        command = ["/bin/sh", "-c", 'exec "$0" "$@" <&-', *command]
    return subprocess.run(
        command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, errors="replace", timeout=30, check=False, start_new_session=True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "extra_env", "stdin"),
    [pytest.param(argv, env, stdin, id=name) for name, argv, env, stdin in CASES],
)
def test_hostile_input_is_a_message_and_exit_2(
    database_url: str,
    workdir: Path,
    argv: list[str],
    extra_env: dict[str, str],
    stdin: str | None,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env.update(
        ELICENSE_DEMO="1",
        ELICENSE_DATABASE_URL=database_url,
        ELICENSE_DATA_DIR=str(workdir / "var"),
        ELICENSE_PASSWORD="demo-password-1",
    )
    env.update(extra_env)
    for name in [name for name, value in env.items() if not value]:  # "": unset it
        del env[name]
    result = run_cli(argv, env, workdir, closed_stdin=stdin == CLOSED)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 2, (result.returncode, result.stdout[-500:], result.stderr[-2000:])
    assert result.stderr.strip(), "no message on stderr"
    assert "elicense" in result.stderr.strip().splitlines()[-1]


def test_a_reader_that_went_away_ends_the_command_quietly(database_url: str, workdir: Path) -> None:
    """``elicense ... | head``: stdout is a pipe whose reader has gone. The command ends
    with no message and no traceback (Python's "Note on SIGPIPE")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env.update(
        ELICENSE_DEMO="1",
        ELICENSE_DATABASE_URL=database_url,
        ELICENSE_DATA_DIR=str(workdir / "var"),
    )
    env.pop("PYTHONUNBUFFERED", None)  # stdout block-buffered, as under `| head`
    read_end, write_end = os.pipe()
    os.close(read_end)  # gone before the first write: every write fails with EPIPE
    try:
        result = subprocess.run(
            [str(ELICENSE), "trust", "anchors", "--demo"], env=env, cwd=workdir,
            stdin=subprocess.DEVNULL, stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 1
