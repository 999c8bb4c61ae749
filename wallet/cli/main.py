"""``elicense``: serve, mint, verify and render QR credentials from the shell.

Exit codes: 0 success (or "valid"), 1 a typed failure (or "invalid"), 2 a usage
error: input the verb cannot use (arguments, files, stdin, settings), always a one-line
message and never a traceback (:func:`main` is the one place that says so; the
checks themselves are in :mod:`wallet.cli.inputs`). Web-stack modules are imported
only by ``serve``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from issuers.errors import ElicenseError
from verifiers.offline import STALE_POLICIES
from wallet.cli.device import add_device_verbs
from wallet.cli.fields import UsageError, parse_field_args
from wallet.cli.inputs import qr_suffix, read_credential, read_json_object, require_utf8, write_qr
from wallet.cli.inspector import add_anchor_option, add_offline_verbs
from wallet.cli.issuer_keys import add_key_verbs
from wallet.cli.issuer_status import add_status_verbs
from wallet.cli.serve import add_serve_verb

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_FILE_NAME_ARGUMENTS = frozenset({"credential"})  # QR text or a file name (any bytes)


# Options whose value is base64url, which starts with "-" one time in 64: argparse would
# take "--nonce -x..." for two options, so the pair is joined as "--nonce=-x..." first.
_BASE64URL_OPTIONS = frozenset({"--nonce"})


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_join_dash_values(words))  # usage errors: message, exit 2
    if getattr(args, "demo", False):
        os.environ["ELICENSE_DEMO"] = "1"
    try:
        require_utf8(args, except_for=_FILE_NAME_ARGUMENTS)
        code: int = args.handler(args)
        sys.stdout.flush()  # a pipe's reader gone: raise here, not at interpreter exit
    except ElicenseError as exc:
        _print_error(exc, as_json=getattr(args, "json", False))
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader went away (`| head`): end quietly, as the Python docs advise (the
        # "Note on SIGPIPE"), so that the final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except (UsageError, ValueError, OSError) as exc:
        # UsageError: input checked and refused. ValueError: settings that refuse to be
        # unsafe or malformed (pydantic), text that is not UTF-8. OSError: a file or
        # directory named in the settings (ELICENSE_DATA_DIR) or the arguments.
        print(f"elicense: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("elicense: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def _join_dash_values(words: list[str]) -> list[str]:
    joined: list[str] = []
    pending = False
    for word in words:
        if pending and word.startswith("-") and word != "--":
            joined[-1] = f"{joined[-1]}={word}"
        else:
            joined.append(word)
        pending = word in _BASE64URL_OPTIONS
    return joined


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename if exc.filename is not None else ""
        return f"{where}: {exc.strerror}" if where else exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: ./var database and a generated demo master key",
    )
    parser = argparse.ArgumentParser(prog="elicense", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)

    add_serve_verb(verbs, common)

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
    verify.set_defaults(handler=_verify)

    add_status_verbs(verbs, common)
    add_key_verbs(verbs, common)
    add_offline_verbs(verbs, common)
    add_device_verbs(verbs, common)

    render = verbs.add_parser("qr", parents=[common], help="render QR text as PNG or SVG")
    render.add_argument("credential", help="QR text, a file holding it, or -")
    render.add_argument("--out", type=Path, required=True, help="file.png or file.svg")
    render.set_defaults(handler=_render)
    return parser


def _print_error(exc: ElicenseError, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"error": exc.to_dict()}, ensure_ascii=False))
    else:
        where = f" [{exc.field}]" if exc.field else ""
        print(f"elicense: {exc.code}{where}: {exc.message}", file=sys.stderr)


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
        "qr": minted.qr,
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
        print(f"{out['identifier']}\n{out['qr']}")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    if args.offline:
        if args.cache is None:
            raise UsageError("--offline needs --cache DIR (made by `elicense sync`)")
        from wallet.cli.inspector import verify_offline_command

        return verify_offline_command(args)
    from verifiers.verdict import verdict_for
    from wallet.cli.local import local_verifier

    qr = read_credential(args.credential)
    with local_verifier() as context:  # public keys and status lists: no secret needed
        verdict = verdict_for(qr, context)
    if args.json:
        print(verdict.model_dump_json())
    elif verdict.valid and verdict.credential is not None:
        cred = verdict.credential
        print(f"VALID {cred.type.name_zh} {cred.identifier} issued by {cred.issuer.name_zh}")
        for warning in verdict.warnings:  # status_not_checked among them: never silent
            print(f"warning: {warning}")
    else:
        print(f"INVALID {verdict.code}: {verdict.message}")
    return EXIT_OK if verdict.valid else EXIT_FAILED


def _render(args: argparse.Namespace) -> int:
    qr_suffix(args.out)
    write_qr(read_credential(args.credential), args.out)
    print(str(args.out))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
