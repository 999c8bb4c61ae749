"""``elicense audit verify``: walk the audit chain against its signed head and
checkpoints, and name the first edited, deleted or inserted row.

Exit 0 with a JSON summary when the log is intact; exit 1 with the same summary,
naming the row and the kind of damage, when it is not.

The log alone cannot tell a wiped log from an empty one, nor notice deleted checkpoint
rows: ``--checkpoints FILE`` checks it against checkpoints saved elsewhere from
``GET /audit/checkpoints`` (one page, or several pages in a JSON list), and ``--url
BASE`` fetches them from a running server (every page, bounded, with a timeout).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from issuers.errors import InvalidInput
from wallet.audit.saved_checkpoints import SavedCheckpoint, saved_checkpoints
from wallet.cli.fields import UsageError, parse_json
from wallet.cli.inputs import read_file
from wallet.cli.inspector import timeout_seconds

MAX_SAVED_BYTES = 256 * 1024 * 1024
MAX_PAGES = 10_000  # of 100 checkpoints: a million minutes of activity
MAX_PAGE_BYTES = 1024 * 1024

_EPILOG = """\
checking against saved checkpoints:
  The database alone cannot tell a wiped log (entries, head and checkpoints deleted)
  from an empty one, nor notice deleted checkpoint rows. Save the public checkpoints
  elsewhere from time to time:
      curl -s 'https://HOST/audit/checkpoints?limit=100' > checkpoints.json
  (follow next_after as ?after=N for older pages; a JSON list of pages is accepted),
  then:
      elicense audit verify --checkpoints checkpoints.json
  Each saved checkpoint must verify with the platform key, the log must still hold the
  row it counts with that hash, and the database must still hold the checkpoint; else
  exit 1 naming the first row ("rows from N deleted", "checkpoint N deleted").
  --url https://HOST fetches every page from a running server instead of a file: a
  check of this database against what that server publishes, so point it at another
  copy (a replica, a mirror of the checkpoints) for an outside view.
"""


def add_audit_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    audit = verbs.add_parser("audit", help="the audit log (审计日志)")
    actions = audit.add_subparsers(dest="audit_action", required=True)
    verify = actions.add_parser(
        "verify",
        parents=[common],
        help="check the hash chain against the signed checkpoints; name the first bad row",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument(
        "--batch-size", type=int, default=1000, help="rows read per query (default 1000)"
    )
    outside = verify.add_mutually_exclusive_group()
    outside.add_argument(
        "--checkpoints",
        type=Path,
        metavar="FILE",
        help="also check against checkpoints saved from GET /audit/checkpoints (JSON)",
    )
    outside.add_argument(
        "--url",
        metavar="BASE",
        help="also check against every checkpoint GET BASE/audit/checkpoints publishes",
    )
    verify.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=30.0,
        metavar="S",
        help="with --url: seconds for fetching every page (default 30)",
    )
    verify.set_defaults(handler=_verify)


def _verify(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    saved = _saved(args)
    with local_services() as services:
        report = services.audit.verify(
            batch_size=max(1, min(args.batch_size, 100_000)), saved=saved
        )
    print(json.dumps(report.as_json(), ensure_ascii=False))
    if report.damage is not None:
        print(f"audit log damaged: {report.damage.message}", file=sys.stderr)
        return 1
    return 0


def _saved(args: argparse.Namespace) -> list[SavedCheckpoint] | None:
    if args.checkpoints is not None:
        what = f"--checkpoints {args.checkpoints}"
        raw = read_file(args.checkpoints, "--checkpoints", MAX_SAVED_BYTES)
        document = _json(raw, what)
    elif args.url is not None:
        what = f"--url {args.url}"
        document = _fetch_pages(args.url, args.timeout)
    else:
        return None
    try:
        return saved_checkpoints(document)
    except InvalidInput as exc:
        raise UsageError(f"{what}: {exc.message} (checkpoints)") from None


def _json(raw: bytes, what: str) -> Any:
    try:
        return parse_json(raw.decode("utf-8"), what)
    except UnicodeDecodeError:
        raise UsageError(f"{what}: not UTF-8 text (checkpoints)") from None


def _fetch_pages(base: str, timeout: float) -> list[Any]:
    """Every page of ``GET BASE/audit/checkpoints``, following ``next_after``."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError("--url must be an http(s) URL")
    end = time.monotonic() + timeout
    pages: list[Any] = []
    after: int | None = None
    while len(pages) < MAX_PAGES:
        query = "limit=100" + ("" if after is None else f"&after={after}")
        url = f"{base.rstrip('/')}/audit/checkpoints?{query}"
        left = end - time.monotonic()
        if left <= 0:
            raise UsageError(f"--url {base}: not every page within {timeout:g} s (--timeout)")
        try:
            with urllib.request.urlopen(url, timeout=left) as answer:  # noqa: S310 - scheme checked
                raw: bytes = answer.read(MAX_PAGE_BYTES + 1)
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
            raise UsageError(f"--url {base}: cannot read {url}: {exc}") from None
        if len(raw) > MAX_PAGE_BYTES:
            raise UsageError(f"--url {base}: a page larger than {MAX_PAGE_BYTES} bytes")
        page = _json(raw, f"--url {url}")
        pages.append(page)
        after = page.get("next_after") if isinstance(page, dict) else None
        if not isinstance(after, int):
            return pages
    raise UsageError(f"--url {base}: more than {MAX_PAGES} pages of checkpoints")
