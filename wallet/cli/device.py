"""``elicense device register|forget`` and ``elicense present``: the CLI plays the phone
(``device approve|deny``, deciding consent requests, are in :mod:`wallet.cli.device_consent`).

A device keeps its own holder key (a PEM file only it reads), registers the public half
with the wallet, and signs live presentations (亮证) itself over the credential the
wallet binds to that key. Without ``--key``, ``present`` asks the wallet to sign with
the citizen's custodial key instead.

The password comes from ``ELICENSE_PASSWORD`` or, when that is unset, a prompt on the
terminal: never from the command line, where other users of the machine could read it,
nor from a stdin that would echo it (no terminal: a usage error). Local input (the key
file, ``--out``, ``--lifetime``, ``--nonce``) is checked before the network is used.
Only the standard library speaks HTTP here (``urllib.request``), and everything a verb
does on the network shares one deadline (``--timeout``, default 30 s): a server that
answers a byte at a time cannot keep it running (:class:`verifiers.offline.Deadline`).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from issuers.clock import utc_now
from issuers.crypto.keys import Algorithm, SigningKey, b64url
from issuers.errors import ElicenseError, InvalidInput, all_error_classes
from issuers.formats import presentation
from verifiers.offline import DEFAULT_DEADLINE_S, Deadline, DeadlinePassed
from wallet.cli.fields import UsageError
from wallet.cli.inputs import (
    MAX_KEY_BYTES,
    base64url_bytes,
    bounded_int,
    qr_suffix,
    read_file,
    read_password,
    write_qr,
)
from wallet.cli.inspector import timeout_seconds
from wallet.holders.device_proof import sign_registration

EXIT_OK = 0
PASSWORD_ENV = "ELICENSE_PASSWORD"  # noqa: S105 - the variable's name, not a password
TIMEOUT_S = 15.0
MAX_RESPONSE_BYTES = 1024 * 1024
_ERRORS = {cls.code: cls for cls in all_error_classes()}


def add_device_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    """Add ``device`` and ``present`` to ``elicense``'s subparsers."""
    citizen = argparse.ArgumentParser(add_help=False)
    citizen.add_argument("--server", required=True, metavar="URL", help="the wallet's base URL")
    citizen.add_argument("--id-number", required=True, help="the citizen's 公民身份号码")
    citizen.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=DEFAULT_DEADLINE_S,
        metavar="SECONDS",
        help=f"give up on the server after this long in all (default {DEFAULT_DEADLINE_S:g})",
    )

    device = verbs.add_parser("device", help="a device's own holder key")
    actions = device.add_subparsers(dest="action", required=True)
    register = actions.add_parser(
        "register",
        parents=[citizen],
        help="make the key in --key (created if missing) the citizen's holder key",
    )
    register.add_argument("--key", type=Path, required=True, metavar="FILE")
    register.add_argument(
        "--alg",
        choices=[a.value for a in Algorithm],
        help="the algorithm of a key made now (default EdDSA; SM2: 国密 SM2 with SM3)",
    )
    register.set_defaults(handler=_register)
    forget = actions.add_parser(
        "forget", parents=[citizen], help="retire the device key; back to a custodial key"
    )
    forget.set_defaults(handler=_forget)
    from wallet.cli.device_consent import add_consent_actions  # it builds on this module

    add_consent_actions(actions, citizen)

    present = verbs.add_parser(
        "present", parents=[citizen], help="print a live presentation (亮证) of a certificate"
    )
    present.add_argument("identifier", help="the certificate's 电子证照标识")
    present.add_argument(
        "--key", type=Path, metavar="FILE", help="sign on this device with the key in FILE"
    )
    present.add_argument(
        "--nonce",
        type=base64url_bytes(presentation.MAX_NONCE_BYTES),
        help=f"the verifier's nonce, base64url, 1 to {presentation.MAX_NONCE_BYTES} bytes",
    )
    max_lifetime = int(presentation.MAX_LIFETIME.total_seconds())
    present.add_argument(
        "--lifetime",
        type=bounded_int(1, max_lifetime),
        default=60,
        metavar="S",
        help=f"seconds, 1 to {max_lifetime} (with --key)",
    )
    present.add_argument("--out", type=Path, help="also write the QR as .png or .svg")
    present.set_defaults(handler=_present)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would re-send the Authorization header to wherever a redirect points."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class WalletClient:
    """A citizen's session with a wallet server, over ``urllib``; a context manager that
    logs the session out again when done. A password goes over https only, or over
    plain http to this machine itself (a test server on loopback). Every call, the
    logout included, fits in one deadline of ``timeout`` seconds."""

    def __init__(
        self, server: str, id_number: str, password: str, *, timeout: float = DEFAULT_DEADLINE_S
    ) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https"):
            raise UsageError("--server must be an http(s) URL")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise UsageError("--server must use https (plain http only to this machine)")
        self._base = server.rstrip("/")
        self._token = ""
        self._deadline = Deadline(timeout)
        self._opener = self._deadline.opener(_NoRedirects())
        body = {"id_number": id_number, "password": password}
        try:
            self._token = str(self.call("POST", "/wallet/login", body)["token"])
        except BaseException:
            self._deadline.close()
            raise

    @property
    def token(self) -> str:
        return self._token

    def __enter__(self) -> WalletClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        # A failed logout leaves a session that expires by itself; the verb's outcome stands.
        with contextlib.suppress(ElicenseError, UsageError, ValueError):
            self.call("POST", "/wallet/logout")
        self._deadline.close()

    def call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self._base + path, data=data, method=method, headers=headers
        )
        try:
            with self._opener.open(request, timeout=self._deadline.budget(TIMEOUT_S)) as response:
                raw: bytes = response.read(MAX_RESPONSE_BYTES + 1)
            self._deadline.check(self._base)  # cut off mid-answer: what it read is partial
        except DeadlinePassed:
            raise self._too_late() from None
        except urllib.error.HTTPError as exc:
            raise self._too_late() if self._deadline.expired() else _remote_error(exc) from None
        except (OSError, ValueError, http.client.HTTPException) as exc:  # not HTTP at all
            if self._deadline.expired():  # the deadline cut it off, not the server
                raise self._too_late() from None
            raise UsageError(f"cannot reach {self._base}: {exc}") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise UsageError("the server's answer is too large")
        try:
            answer = json.loads(raw) if raw else {}
        except (ValueError, RecursionError):  # not UTF-8 JSON; "[[[[...": RecursionError
            raise UsageError(f"{self._base}: the server's answer is not JSON") from None
        if not isinstance(answer, dict):
            raise UsageError(f"{self._base}: the server's answer is not a JSON object")
        return answer

    def _too_late(self) -> UsageError:
        return UsageError(f"{self._base}: {self._deadline.explain()} (--timeout); gave up")


def _remote_error(exc: urllib.error.HTTPError) -> ElicenseError:
    """The server's typed error, as the same class here (its code and message kept)."""
    try:
        error = json.loads(exc.read(MAX_RESPONSE_BYTES))["error"]
        cls = _ERRORS.get(error["code"], ElicenseError)
        return cls(str(error["message"]), field=error.get("field"))
    except (ValueError, KeyError, TypeError):
        return ElicenseError(f"HTTP {exc.code} from the server")


def _client(args: argparse.Namespace) -> WalletClient:
    password = read_password(PASSWORD_ENV)
    return WalletClient(args.server, args.id_number, password, timeout=args.timeout)


def read_key(path: Path) -> SigningKey:
    """The device key in ``path``: a file that is not a PEM private key is a usage error."""
    try:
        return SigningKey.from_pem(read_file(path, "--key", MAX_KEY_BYTES))
    except InvalidInput as exc:
        raise UsageError(f"--key {path}: {exc.message}") from None


def load_or_create_key(path: Path, alg: Algorithm | None = None) -> SigningKey:
    """The device key in ``path``; a new key of ``alg`` (Ed25519 unless given; file mode
    0600) if there is none. A key already there of another ``alg`` is a usage error."""
    if path.exists():
        key = read_key(path)
        if alg is not None and key.alg is not alg:
            raise UsageError(f"--key {path} holds an {key.alg.value} key, not {alg.value}")
        return key
    key = SigningKey.generate(alg or Algorithm.EDDSA)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise UsageError(f"--key {path}: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.to_pem())
    return key


def _register(args: argparse.Namespace) -> int:
    key = load_or_create_key(args.key, None if args.alg is None else Algorithm(args.alg))
    with _client(args) as client:
        proof = sign_registration(key, client.token, args.id_number)
        body = {"public_jwk": key.public.to_jwk(), "proof": proof}
        answer = client.call("PUT", "/wallet/holder-key", body)
    print(f"{answer['custody']} {answer['kid']} {answer['alg']}")
    return EXIT_OK


def _forget(args: argparse.Namespace) -> int:
    with _client(args) as client:
        answer = client.call("DELETE", "/wallet/holder-key")
    print(f"{answer['custody']} {answer['kid']}")
    return EXIT_OK


def _present(args: argparse.Namespace) -> int:
    if args.out is not None:
        qr_suffix(args.out)
    key = None
    if args.key is not None:
        if not args.key.exists():
            raise UsageError(f"{args.key}: no such key file (run `elicense device register`)")
        key = read_key(args.key)
    with _client(args) as client:
        payload = _live_payload(client, args, key)
    if args.out is not None:
        write_qr(payload, args.out)
        print(f"elicense: QR written to {args.out}", file=sys.stderr)
    print(payload)
    return EXIT_OK


def _live_payload(client: WalletClient, args: argparse.Namespace, key: SigningKey | None) -> str:
    path = f"/wallet/certificates/{quote(args.identifier, safe='')}"
    if key is None:
        body = {} if args.nonce is None else {"nonce": b64url(args.nonce)}
        return str(client.call("POST", f"{path}/presentation", body)["payload"])
    credential = str(client.call("GET", path)["qr"])
    return presentation.present(
        credential,
        key,
        now=utc_now(),
        lifetime=timedelta(seconds=args.lifetime),
        nonce=args.nonce,
    )
