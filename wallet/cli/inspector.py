"""``elicense verify``, ``sync``, ``verify-offline`` and ``qr``: the inspector's verbs.

``verify`` checks a QR credential against the registry, as the server does (the
database's public keys and status lists, no secret). ``sync`` (online) fills a cache
directory with the trust lists and status lists that verify against the configured
anchors; ``verify-offline`` (and ``verify --offline``) verifies a QR credential from
that cache with no network, against the same anchors. The offline verbs import neither
the web stack nor the database: only :mod:`verifiers.offline` (and, for an image,
:mod:`verifiers.qr_scan`); online ``verify`` opens the database only when it runs.
``qr`` draws QR text as a PNG or SVG file.

Anchors are configuration: ``--anchor FILE`` (repeatable), or else the file named by
``ELICENSE_TRUST_ANCHORS``; never anything in the cache directory, and a file inside it
is refused. ``sync`` stops at its ``--timeout`` (default 30 s) whatever the servers do.

Exit codes: ``verify-offline`` 0 valid, 1 invalid, 2 usage; ``sync`` 0 when every
fetch got an answer (lists that did not verify are skipped and reported, not failures),
1 when some fetch failed or the deadline passed, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from issuers.clock import Clock, utc_now
from issuers.errors import InvalidInput
from verifiers.inspector.display import algorithm_label
from verifiers.offline import (
    DEFAULT_DEADLINE_S,
    STALE_POLICIES,
    Anchor,
    Fetch,
    OfflineVerifier,
    SyncReport,
    load_anchors,
    sync,
    verify_offline,
)
from verifiers.verdict import CredentialView, Verdict, verdict_for
from wallet.cli.fields import UsageError
from wallet.cli.inputs import qr_suffix, read_credential, write_qr

EXIT_OK, EXIT_FAILED = 0, 1
ANCHORS_ENV = "ELICENSE_TRUST_ANCHORS"
MAX_TIMEOUT_S = 24 * 3600.0


def add_offline_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    """Add ``sync`` and ``verify-offline`` to ``elicense``'s subparsers."""
    pull = verbs.add_parser(
        "sync",
        parents=[common],
        help="fetch trust and status lists into an offline cache (online)",
        description="Fetch what verifies against the anchors into the cache directory.",
    )
    pull.add_argument("--server", action="append", required=True, metavar="URL")
    add_anchor_option(pull)
    pull.add_argument("--cache", required=True, type=Path, metavar="DIR")
    pull.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=DEFAULT_DEADLINE_S,
        metavar="SECONDS",
        help=f"stop the whole sync after this long (default {DEFAULT_DEADLINE_S:g})",
    )
    pull.add_argument("--json", action="store_true")
    pull.set_defaults(handler=sync_command)

    verify = verbs.add_parser(
        "verify-offline",
        parents=[common],
        help="verify a QR credential from the offline cache (no network)",
    )
    verify.add_argument("credential", help="QR text, a file holding it, an image of it, or -")
    verify.add_argument("--cache", required=True, type=Path, metavar="DIR")
    add_anchor_option(verify)
    verify.add_argument(
        "--stale",
        choices=STALE_POLICIES,
        default="refuse",
        help="a status list past its ttl: refuse (status_list_expired) or warn and use it",
    )
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=verify_offline_command)


def add_verify_verb(verbs: Any, common: argparse.ArgumentParser) -> None:
    """Add ``verify``: online against the registry, or ``--offline`` from a cache."""
    verify = verbs.add_parser("verify", parents=[common], help="verify a QR credential")
    verify.add_argument("credential", help="QR text, a file holding it, an image of it, or -")
    verify.add_argument("--json", action="store_true")
    verify.add_argument(
        "--offline",
        action="store_true",
        help="verify from a cache made by `elicense sync` (no network, no database)",
    )
    verify.add_argument(
        "--cache", type=Path, metavar="DIR", help="the offline cache (with --offline)"
    )
    add_anchor_option(verify)  # with --offline
    verify.add_argument(
        "--stale",
        choices=STALE_POLICIES,
        default="refuse",
        help="with --offline: refuse or warn when cached lists are past their ttl",
    )
    verify.set_defaults(handler=verify_command)


def add_render_verb(verbs: Any, common: argparse.ArgumentParser) -> None:
    """Add ``qr``: QR text drawn as a PNG or SVG file."""
    render = verbs.add_parser("qr", parents=[common], help="render QR text as PNG or SVG")
    render.add_argument("credential", help="QR text, a file holding it, or -")
    render.add_argument("--out", type=Path, required=True, help="file.png or file.svg")
    render.set_defaults(handler=render_command)


def add_anchor_option(parser: argparse.ArgumentParser) -> None:
    """``--anchor FILE``, repeatable; see the module docstring."""
    parser.add_argument(
        "--anchor",
        action="append",
        type=Path,
        metavar="FILE",
        help=(
            "trust anchors obtained out of band: GET /trust/anchors saved whole, or one"
            f' {{"region_code", "jwk"}} entry of it; repeatable (default: ${ANCHORS_ENV})'
        ),
    )


def anchor_paths(args: argparse.Namespace) -> list[Path]:
    """The files ``--anchor`` names, or else ``ELICENSE_TRUST_ANCHORS``; UsageError if
    neither names any."""
    paths: list[Path] = list(getattr(args, "anchor", None) or [])
    if not paths and os.environ.get(ANCHORS_ENV):
        paths = [Path(os.environ[ANCHORS_ENV])]
    if not paths:
        raise UsageError(
            f"name the trust anchors: --anchor FILE (repeatable) or {ANCHORS_ENV}=FILE; "
            "they come out of band, never from the cache"
        )
    return paths


def configured_anchors(args: argparse.Namespace, cache: Path) -> list[Anchor]:
    """The anchors :func:`anchor_paths` names; UsageError if a file is unusable or lies
    inside ``cache``."""
    try:
        return load_anchors(anchor_paths(args), cache_dir=cache)
    except InvalidInput as exc:
        raise UsageError(exc.message) from None


def timeout_seconds(text: str) -> float:
    """An argparse type: a total deadline in seconds, above 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT_S):
        raise argparse.ArgumentTypeError(f"give seconds above 0, at most {MAX_TIMEOUT_S:g}")
    return value


def sync_command(
    args: argparse.Namespace, *, clock: Clock = utc_now, fetch: Fetch | None = None
) -> int:
    paths = anchor_paths(args)
    try:
        report = sync(
            args.server, args.cache, paths, now=clock(), fetch=fetch, timeout=args.timeout
        )
    except InvalidInput as exc:
        raise UsageError(exc.message) from None
    except OSError as exc:  # the cache directory cannot be written
        raise UsageError(f"cache {args.cache}: {exc}") from None
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        _print_sync(report)
    if any(item.code == "deadline_exceeded" for item in report.of("failed")):
        print(
            f"elicense: sync stopped at its {args.timeout:g} s deadline (--timeout); "
            "what it stored before then is kept",
            file=sys.stderr,
        )
    return EXIT_FAILED if report.of("failed") else EXIT_OK


def _print_sync(report: SyncReport) -> None:
    for item in report.items:
        why = f" {item.code}" if item.code else ""
        detail = f": {item.message}" if item.message else ""
        print(f"{item.outcome:<7} {item.kind} {item.name}{why}{detail}")
    counts = ", ".join(f"{len(report.of(o))} {o}" for o in ("stored", "skipped", "failed"))
    print(counts)


def verify_command(args: argparse.Namespace) -> int:
    """Online: exit 0 valid, 1 invalid; every warning printed, so an unchecked status is
    never silent. ``--offline`` hands over to :func:`verify_offline_command`."""
    if args.offline:
        if args.cache is None:
            raise UsageError("--offline needs --cache DIR (made by `elicense sync`)")
        return verify_offline_command(args)
    from wallet.cli.local import local_verifier  # the database: online verify only

    qr = read_credential(args.credential)
    with local_verifier() as context:  # public keys and status lists: no secret needed
        verdict = verdict_for(qr, context)
    if args.json:
        print(verdict.model_dump_json())
    elif verdict.valid and verdict.credential is not None:
        cred = verdict.credential
        print(
            f"VALID {cred.type.name_zh} {cred.identifier} issued by {cred.issuer.name_zh}"
            f" {_signed_with(verdict, cred)}"
        )
        for warning in verdict.warnings:  # status_not_checked among them: never silent
            print(f"warning: {warning}")
    else:
        print(f"INVALID {verdict.code}: {verdict.message}")
    return EXIT_OK if verdict.valid else EXIT_FAILED


def verify_offline_command(args: argparse.Namespace, *, clock: Clock = utc_now) -> int:
    if not Path(args.cache).is_dir():
        raise UsageError(f"--cache {args.cache} is not a directory; run elicense sync first")
    anchors = configured_anchors(args, Path(args.cache))
    qr = read_credential(args.credential)
    now = clock()
    verifier = OfflineVerifier.load(
        Path(args.cache), anchors=anchors, now=now, stale_policy=args.stale
    )
    for problem in verifier.report.problems:
        print(f"elicense: cache {problem.path}: {problem.code}: {problem.message}", file=sys.stderr)
    verdict = verify_offline(qr, verifier, now)
    if args.json:
        print(verdict.model_dump_json())
    else:
        _print_verdict(verdict)
    return EXIT_OK if verdict.valid else EXIT_FAILED


def render_command(args: argparse.Namespace) -> int:
    """The suffix is checked before the credential is read, so a wrong ``--out`` costs
    no stdin."""
    qr_suffix(args.out)
    write_qr(read_credential(args.credential), args.out)
    print(str(args.out))
    return EXIT_OK


def _print_verdict(verdict: Verdict) -> None:
    age = "unknown" if verdict.data_age_seconds is None else _duration(verdict.data_age_seconds)
    unchecked = "" if verdict.status_checked or not verdict.valid else ", status NOT checked"
    where = f"(offline, data {age} old{unchecked})"
    if verdict.valid and verdict.credential is not None:
        cred = verdict.credential
        print(
            f"VALID {cred.type.name_zh} {cred.identifier} issued by {cred.issuer.name_zh}"
            f" {_signed_with(verdict, cred)} {where}"
        )
    else:
        print(f"INVALID {verdict.code}: {verdict.message} {where}")
    for warning in verdict.warnings:
        print(f"warning: {warning}")


def _signed_with(verdict: Verdict, cred: CredentialView) -> str:
    """``[国密 SM2]``, or ``[国密 SM2, holder 国密 SM2]`` for a live presentation."""
    issuer = algorithm_label(cred.alg)
    if verdict.holder_alg is None:
        return f"[{issuer}]"
    return f"[{issuer}, holder {algorithm_label(verdict.holder_alg)}]"


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
