"""``elicense keys rotate|compromise`` and ``elicense trust anchors|export``."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from issuers.crypto.keys import Algorithm
from wallet.cli.inputs import aware_datetime, write_output

# An RFC 7638 SHA-256 thumbprint in base64url: 43 characters, one in 64 starting with "-".
_KID = re.compile(r"[A-Za-z0-9_-]{43}")


class _KidParser(argparse.ArgumentParser):
    """Reads a whole kid as a value even when it starts with ``-`` (or ``-h``): argparse
    takes any such word for an option. Options here are short words, never 43
    base64url characters, so nothing that is an option is read as a kid."""

    def _parse_optional(self, arg_string: str) -> Any:
        if _KID.fullmatch(arg_string):
            return None
        return super()._parse_optional(arg_string)


def add_key_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    keys = verbs.add_parser("keys", help="issuer key lifecycle")
    key_verbs = keys.add_subparsers(dest="key_verb", required=True, parser_class=_KidParser)
    rotate = key_verbs.add_parser("rotate", parents=[common], help="new key; old ones still verify")
    rotate.add_argument("issuer", help="issuer USCC")
    rotate.add_argument("--alg", choices=[a.value for a in Algorithm], default="EdDSA")
    rotate.set_defaults(handler=_rotate)
    compromise = key_verbs.add_parser(
        "compromise", parents=[common], help="everything the key signed stops verifying"
    )
    compromise.add_argument(
        "kid",
        help="the key's kid (RFC 7638 thumbprint, base64url); one that starts with '-' is"
        " read as the kid all the same, and `--` before it works too (keys compromise"
        " --demo -- KID)",
    )
    compromise.add_argument(
        "--since", type=aware_datetime, help="ISO 8601 with its offset, e.g. 2026-01-01T00:00+08:00"
    )
    compromise.set_defaults(handler=_compromise)

    trust = verbs.add_parser("trust", help="trust anchors and signed trust lists")
    trust_verbs = trust.add_subparsers(dest="trust_verb", required=True)
    anchors = trust_verbs.add_parser("anchors", parents=[common], help="anchor public keys (JSON)")
    anchors.set_defaults(handler=_anchors)
    export = trust_verbs.add_parser("export", parents=[common], help="a region's signed trust list")
    export.add_argument("region", help="six-digit province code, e.g. 330000")
    export.add_argument("--out", type=Path, help="write to this file instead of stdout")
    export.set_defaults(handler=_export)


def _rotate(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    with local_services() as services:
        service = services.issuance
        kid = service.rotate_key(args.issuer, Algorithm(args.alg))
    print(json.dumps({"issuer": args.issuer, "kid": kid, "alg": args.alg}))
    return 0


def _compromise(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    with local_services() as services:
        service = services.issuance
        issuer = service.compromise_key(args.kid, args.since)
    print(json.dumps({"kid": args.kid, "issuer": issuer, "state": "compromised"}))
    return 0


def _anchors(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    with local_services() as services:
        anchors = services.publication.anchors()
    out = [{"region_code": region, "jwk": key.public_jwk()} for region, key in anchors]
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _export(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    with local_services() as services:
        text = services.publication.trust_list(args.region)
    if args.out is None:
        sys.stdout.write(text + "\n")
    else:
        write_output(args.out, (text + "\n").encode("ascii"))
        print(str(args.out))
    return 0
