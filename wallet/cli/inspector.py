"""``elicense sync`` and ``elicense verify-offline``: the inspector's offline verbs.

``sync`` (online) fills a cache directory with the trust lists and status lists that
verify against the configured anchors; ``verify-offline`` (and ``verify --offline``)
verifies a QR credential from that cache with no network, against the same anchors.
Neither imports the web stack or the database: only :mod:`verifiers.offline` (and, for
an image, :mod:`verifiers.qr_scan`).

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
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from issuers.errors import InvalidInput
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
from verifiers.verdict import Verdict
from wallet.cli.fields import UsageError
from wallet.cli.inputs import read_credential

EXIT_OK, EXIT_FAILED = 0, 1
ANCHORS_ENV = "ELICENSE_TRUST_ANCHORS"
MAX_TIMEOUT_S = 24 * 3600.0
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
    args: argparse.Namespace, *, clock: Clock = _utc_now, fetch: Fetch | None = None
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


def verify_offline_command(args: argparse.Namespace, *, clock: Clock = _utc_now) -> int:
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


def _print_verdict(verdict: Verdict) -> None:
    age = "unknown" if verdict.data_age_seconds is None else _duration(verdict.data_age_seconds)
    unchecked = "" if verdict.status_checked or not verdict.valid else ", status NOT checked"
    where = f"(offline, data {age} old{unchecked})"
    if verdict.valid and verdict.credential is not None:
        cred = verdict.credential
        print(
            f"VALID {cred.type.name_zh} {cred.identifier} issued by {cred.issuer.name_zh} {where}"
        )
    else:
        print(f"INVALID {verdict.code}: {verdict.message} {where}")
    for warning in verdict.warnings:
        print(f"warning: {warning}")


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
