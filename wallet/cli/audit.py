"""``elicense audit verify``: walk the audit chain against its signed head and
checkpoints, and name the first edited, deleted or inserted row.

Exit 0 with a JSON summary when the log is intact; exit 1 with the same summary,
naming the row and the kind of damage, when it is not.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_audit_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    audit = verbs.add_parser("audit", help="the audit log (审计日志)")
    actions = audit.add_subparsers(dest="audit_action", required=True)
    verify = actions.add_parser(
        "verify",
        parents=[common],
        help="check the hash chain against the signed checkpoints; name the first bad row",
    )
    verify.add_argument(
        "--batch-size", type=int, default=1000, help="rows read per query (default 1000)"
    )
    verify.set_defaults(handler=_verify)


def _verify(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    with local_services() as services:
        report = services.audit.verify(batch_size=max(1, min(args.batch_size, 100_000)))
    print(json.dumps(report.as_json(), ensure_ascii=False))
    if report.damage is not None:
        print(f"audit log damaged: {report.damage.message}", file=sys.stderr)
        return 1
    return 0
