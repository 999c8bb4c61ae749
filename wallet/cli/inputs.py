"""What ``elicense`` reads (arguments, files, stdin, a password) and writes (``--out``),
checked at the door.

Every verb reads its input through here, so input it cannot use is a
:class:`~wallet.cli.fields.UsageError` (one line on stderr, exit 2) before any work
starts: numbers within bounds, dates with their offset, regular files of bounded size,
text that is UTF-8, JSON that is an object, a stdin that is open, a password from the
environment or a terminal. The argparse types raise ``ArgumentTypeError``, which
argparse reports as a usage error (exit 2) itself.
"""

from __future__ import annotations

import argparse
import getpass
import os
import stat
import sys
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from issuers.crypto.keys import b64url_decode
from issuers.errors import InvalidInput
from wallet.cli.fields import UsageError, parse_json

MAX_INPUT_BYTES = 8 * 1024 * 1024  # verifiers.qr_scan.MAX_IMAGE_BYTES; text is far smaller
MAX_KEY_BYTES = 64 * 1024  # a PEM private key is a few hundred bytes


# -- argparse types ---------------------------------------------------------------------
def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (a port, a count, seconds),
    so that no huge or negative value reaches ``timedelta`` or a socket."""

    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:  # also past Python's 4,300-digit limit
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text[:40]} is not from {low} to {high}")
        return value

    return parse


def aware_datetime(text: str) -> datetime:
    """An argparse type: an ISO 8601 moment with its UTC offset, in UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset (e.g. +08:00 or Z)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first representable UTC
        raise argparse.ArgumentTypeError(f"{text!r} is out of range") from None


def nonempty(text: str) -> str:
    """An argparse type: text that is not empty (a host name)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def base64url_bytes(max_bytes: int) -> Callable[[str], bytes]:
    """An argparse type: base64url (unpadded) of 1 to ``max_bytes`` bytes."""

    def parse(text: str) -> bytes:
        try:
            raw = b64url_decode(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not base64url") from None
        if not 0 < len(raw) <= max_bytes:
            raise argparse.ArgumentTypeError(f"must decode to 1 to {max_bytes} bytes")
        return raw

    return parse


def require_utf8(args: argparse.Namespace, *, except_for: frozenset[str]) -> None:
    """Refuse text arguments that are not UTF-8 (the shell passed undecodable bytes): they
    would fail later in a database driver or a JSON body. File names (``Path`` values,
    and the ``except_for`` arguments that may be one) can be any bytes."""
    for name, value in vars(args).items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and name not in except_for:
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    option = name.replace("_", "-")
                    raise UsageError(f"{option}: {item!r} is not UTF-8 text") from None


# -- reading ------------------------------------------------------------------------------
def read_file(path: Path, what: str, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """A regular file's bytes (not a directory, FIFO or device), at most ``max_bytes``."""
    try:
        with path.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise UsageError(f"{what} {path}: not a regular file")
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise UsageError(f"{what} {path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise UsageError(f"{what} {path}: larger than {max_bytes} bytes")
    return data


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """A file holding one JSON object (UTF-8)."""
    try:
        text = read_file(path, what).decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path}: not UTF-8 text") from None
    value = parse_json(text, f"{what} {path}")
    if not isinstance(value, dict):
        raise UsageError(f"{what} {path}: not a JSON object")
    return value


def read_stdin(max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    stream = sys.stdin
    if stream is None or stream.closed:
        raise UsageError("stdin is closed")
    buffer = getattr(stream, "buffer", None)
    try:
        # A text stream with no buffer (a test's StringIO): at most max_bytes + 1
        # characters, which encode to more than max_bytes bytes if the input is too long.
        if buffer is not None:
            data: bytes = buffer.read(max_bytes + 1)
        else:
            data = stream.read(max_bytes + 1).encode()
    except OSError as exc:  # fd 0 closed under us, or a directory redirected in
        raise UsageError(f"stdin: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise UsageError(f"stdin: larger than {max_bytes} bytes")
    return data


def read_credential(arg: str) -> str:
    """QR text from an argument, a text file, an image (via zxing-cpp) or stdin (``-``).

    Input that holds nothing is a usage error; bytes that are neither UTF-8 text nor a
    PNG/JPEG image are ``invalid_input`` (a typed failure, as for a bad QR).
    """
    if arg.startswith("EL") and ":" in arg[:6]:
        return arg
    if arg == "-":
        data, source = read_stdin(), "stdin"
    else:
        try:
            is_file = Path(arg).is_file()
        except (OSError, ValueError):  # a name too long for the file system, or with NUL
            is_file = False
        if not is_file:
            raise UsageError(f"{arg[:60]!r} is neither QR text nor a readable file")
        data, source = read_file(Path(arg), "credential"), arg
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff":
        from verifiers.qr_scan import read_qr_image

        return read_qr_image(data)
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InvalidInput(f"{source} is neither text nor a PNG/JPEG image") from None
    if not text:
        raise UsageError(f"{source} holds no QR text")
    return text


def read_password(variable: str) -> str:
    """The password from ``variable``, or asked for on the terminal; never echoed.

    Without a terminal, ``getpass`` would read stdin with echo on (and warn); here that is
    a usage error naming the variable to set instead.
    """
    password = os.environ.get(variable)
    if password:
        return password
    advice = f"no password: set {variable} or run in a terminal"
    if sys.stdin is None:
        raise UsageError(advice)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", getpass.GetPassWarning)
            password = getpass.getpass("password: ")
    except (EOFError, getpass.GetPassWarning):
        raise UsageError(advice) from None
    if not password:
        raise UsageError("no password given")
    return password


# -- writing ------------------------------------------------------------------------------
def qr_suffix(out: Path) -> str:
    """``.png`` or ``.svg``: checked before any work, so a typo costs nothing."""
    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise UsageError("--out must end in .png or .svg")
    return suffix


def write_qr(payload: str, out: Path) -> None:
    """Render ``payload`` as a PNG or SVG QR code into ``out``."""
    from issuers.formats.qr_image import render_png, render_svg

    suffix = qr_suffix(out)
    write_output(out, render_png(payload) if suffix == ".png" else render_svg(payload).encode())


def write_output(out: Path, data: bytes) -> None:
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"--out {out}: {exc.strerror or exc}") from None
