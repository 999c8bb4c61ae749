"""``elicense mint``: the issuer's administrator mints a certificate from the shell.

The fields come from an optional ``--fields-json`` file, then ``--field K=V`` over it
(dotted keys nest, JSON values allowed, typed by the certificate's schema in
:mod:`wallet.cli.fields`). Minting runs the issuance service as ``serve`` builds it
(:mod:`wallet.cli.local`): the same database, and the issuer's active key.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from wallet.cli.fields import parse_field_args
from wallet.cli.inputs import read_json_object

EXIT_OK = 0


def add_mint_verb(verbs: Any, common: argparse.ArgumentParser) -> None:
    """Add ``mint`` to ``elicense``'s subparsers."""
    mint = verbs.add_parser("mint", parents=[common], help="mint a certificate")
    mint.add_argument("type", help="catalogue slug (e.g. resident_id) or type code")
    mint.add_argument("--issuer", required=True, help="issuer USCC")
    mint.add_argument("--holder", help="holder code (must appear in the fields)")
    mint.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="K=V",
        help="a field; dotted keys nest (party_a.name=...), JSON values allowed",
    )
    mint.add_argument("--fields-json", type=Path, help="a JSON file with the fields")
    mint.add_argument("--valid-from", type=date.fromisoformat)
    mint.add_argument("--valid-until", type=date.fromisoformat)
    mint.add_argument("--json", action="store_true")
    mint.set_defaults(handler=_mint)


def _mint(args: argparse.Namespace) -> int:
    fields: dict[str, Any] = {}
    if args.fields_json is not None:
        fields = read_json_object(args.fields_json, "--fields-json")
    from issuers.catalogue import get_type

    schema = get_type(args.type).model.model_json_schema()
    fields.update(parse_field_args(args.field, schema))
    from wallet.cli.local import local_services

    with local_services() as services:
        service = services.issuance
        minted = service.mint(
            args.type,
            args.issuer,
            fields,
            holder=args.holder,
            valid_from=args.valid_from,
            valid_until=args.valid_until,
        )
    record = minted.record
    out = {
        "identifier": minted.identifier,
        "qr": minted.qr or None,
        "qr_unavailable": minted.qr_unavailable,
        "type": record.type.slug,
        "issuer": record.issuer.uscc,
        "holder_codes": list(record.holder_codes),
        "valid_from": record.valid_from.isoformat(),
        "valid_until": None if record.valid_until is None else record.valid_until.isoformat(),
        "kid": minted.kid,
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(out["identifier"])
        print(out["qr"] or "(no QR code: too large for one; share it as an SD-JWT VC)")
    return EXIT_OK
