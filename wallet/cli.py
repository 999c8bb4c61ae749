"""``elicense``: serve, mint, verify and render QR credentials from the shell.

Exit codes: 0 success (or "valid"), 1 a typed failure (or "invalid"), 2 a usage
error. Web-stack modules are imported only by ``serve``.
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

from issuers.errors import ElicenseError, InvalidInput
from verifiers.offline import STALE_POLICIES
from wallet.cli_device import add_device_verbs
from wallet.cli_fields import UsageError, parse_field_args
from wallet.cli_keys import add_key_verbs
from wallet.cli_offline import add_anchor_option, add_offline_verbs
from wallet.cli_status import add_status_verbs

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "demo", False):
        os.environ["ELICENSE_DEMO"] = "1"
    try:
        code: int = args.handler(args)
    except UsageError as exc:
        print(f"elicense: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ElicenseError as exc:
        _print_error(exc, as_json=getattr(args, "json", False))
        return EXIT_FAILED
    except ValueError as exc:  # settings refused to be unsafe
        print(f"elicense: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: ./var database and a generated demo master key",
    )
    parser = argparse.ArgumentParser(prog="elicense", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)

    serve = verbs.add_parser("serve", parents=[common], help="serve the API and pages")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

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


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from issuers.settings import get_settings
    from wallet.app import admin_token, create_app

    settings = get_settings()
    create_app(settings)  # migrate, and seed in demo mode, once before workers start
    if settings.demo:
        print(
            f"elicense: DEMO MODE. Demo master key in {settings.data_dir}/demo-master-key; "
            f"never use it for real certificates.",
            file=sys.stderr,
        )
        print(f"elicense: demo admin token: {admin_token(settings)}", file=sys.stderr)
    print(f"elicense: serving on http://{args.host}:{args.port}/ (docs at /docs)", file=sys.stderr)
    uvicorn.run(
        "wallet.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
    )
    return EXIT_OK


def _mint(args: argparse.Namespace) -> int:
    fields: dict[str, Any] = {}
    if args.fields_json is not None:
        try:
            fields = json.loads(args.fields_json.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise UsageError(f"--fields-json: {exc}") from None
    from issuers.catalogue import get_type

    schema = get_type(args.type).model.model_json_schema()
    fields.update(parse_field_args(args.field, schema))
    from wallet.local import local_service

    with local_service() as service:
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


def read_credential(arg: str) -> str:
    """QR text from an argument, a text file, an image (via zxing-cpp) or stdin."""
    if arg == "-":
        return sys.stdin.read().strip()
    if arg.startswith("EL") and ":" in arg[:6]:
        return arg
    path = Path(arg)
    if not path.is_file():
        raise UsageError(f"{arg!r} is neither QR text nor a readable file")
    data = path.read_bytes()
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff":
        from wallet.qr_scan import read_qr_image

        return read_qr_image(data)
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InvalidInput(f"{arg} is neither text nor a PNG/JPEG image") from None


def _verify(args: argparse.Namespace) -> int:
    if args.offline:
        if args.cache is None:
            raise UsageError("--offline needs --cache DIR (made by `elicense sync`)")
        from wallet.cli_offline import verify_offline_command

        return verify_offline_command(args)
    from datetime import UTC, datetime

    from issuers.store.issuance import DatabaseKeyResolver
    from issuers.store.status_checker import DatabaseStatusChecker
    from verifiers.verdict import VerifierContext, verdict_for
    from wallet.local import local_service

    qr = read_credential(args.credential)
    with local_service() as service:
        context = VerifierContext(
            DatabaseKeyResolver(service.engine),
            lambda: datetime.now(UTC),
            DatabaseStatusChecker(service.engine, service.public_base_url),
        )
        verdict = verdict_for(qr, context)
    if args.json:
        print(verdict.model_dump_json())
    elif verdict.valid and verdict.credential is not None:
        cred = verdict.credential
        print(f"VALID {cred.type.name_zh} {cred.identifier} issued by {cred.issuer.name_zh}")
    else:
        print(f"INVALID {verdict.code}: {verdict.message}")
    return EXIT_OK if verdict.valid else EXIT_FAILED


def _render(args: argparse.Namespace) -> int:
    from wallet.qr_image import render_png, render_svg

    qr = read_credential(args.credential)
    suffix = args.out.suffix.lower()
    if suffix == ".png":
        args.out.write_bytes(render_png(qr))
    elif suffix == ".svg":
        args.out.write_text(render_svg(qr), "utf-8")
    else:
        raise UsageError("--out must end in .png or .svg")
    print(str(args.out))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
