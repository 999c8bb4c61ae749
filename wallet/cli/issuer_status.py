"""``elicense suspend | reinstate | revoke``: issuer status changes from the shell."""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any

from issuers.status_codes import CertificateStatus

_INVALID_CODES = [s.value for s in CertificateStatus if s.is_final]


def add_status_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    suspend = verbs.add_parser("suspend", parents=[common], help="暂扣: suspend a certificate")
    reinstate = verbs.add_parser("reinstate", parents=[common], help="lift a suspension")
    revoke = verbs.add_parser("revoke", parents=[common], help="撤销/注销/失效/转出/吊销")
    revoke.add_argument(
        "--code",
        choices=_INVALID_CODES,
        default=CertificateStatus.REVOKED.value,
        help="03 撤销, 04 注销, 05 失效, 06 转出, 07 吊销 (default 03)",
    )
    for parser, target in ((suspend, "02"), (reinstate, "01"), (revoke, None)):
        parser.add_argument("identifier", help="the 电子证照标识")
        parser.add_argument("--reason", help="why (kept with the status)")
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(handler=_change_status, target=target)


def _change_status(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    target = CertificateStatus(args.target or args.code)
    with local_services() as services:
        service = services.issuance
        previous = service.change_status(
            args.identifier, target, reason=args.reason, actor=f"cli:{getpass.getuser()}"
        )
    out = {
        "identifier": args.identifier,
        "from": previous.value,
        "to": target.value,
        "to_name": target.name_zh,
        "reason": args.reason,
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        change = f"{previous.value} {previous.name_zh} -> {target.value} {target.name_zh}"
        print(f"{args.identifier}: {change}")
    return 0
