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

from issuers.errors import ElicenseError
from wallet.cli.audit import add_audit_verbs
from wallet.cli.bench import add_bench_verb
from wallet.cli.bundle_ops import add_report_verb, add_run_verb
from wallet.cli.bundles import add_bundle_verbs
from wallet.cli.clients import add_client_verbs
from wallet.cli.db import add_db_verbs
from wallet.cli.demo_newborn import add_demo_verbs
from wallet.cli.device import add_device_verbs
from wallet.cli.fields import UsageError
from wallet.cli.inputs import require_utf8
from wallet.cli.inspector import add_offline_verbs, add_render_verb, add_verify_verb
from wallet.cli.issuer_import import add_import_verb
from wallet.cli.issuer_keys import add_key_verbs
from wallet.cli.issuer_mint import add_mint_verb
from wallet.cli.issuer_registry import add_issuer_verbs
from wallet.cli.issuer_status import add_status_verbs
from wallet.cli.publish import add_publish_verb
from wallet.cli.serve import add_serve_verb
from wallet.cli.worker import add_worker_verb

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
    add_worker_verb(verbs, common)
    add_db_verbs(verbs, common)
    add_mint_verb(verbs, common)
    add_import_verb(verbs, common)  # JSON Lines of mint requests, in batches
    add_verify_verb(verbs, common)
    add_status_verbs(verbs, common)
    add_issuer_verbs(verbs, common)  # issuers load FILE | list
    add_key_verbs(verbs, common)
    add_offline_verbs(verbs, common)
    add_publish_verb(verbs, common)  # static signed files for a CDN
    add_bench_verb(verbs)  # python -m benchmarks, from a source checkout
    add_device_verbs(verbs, common)
    add_render_verb(verbs, common)
    add_client_verbs(verbs, common)
    add_audit_verbs(verbs, common)
    add_demo_verbs(verbs, common)  # demo newborn
    bundle_verbs = add_bundle_verbs(verbs, common)  # bundles list|validate|report|run
    add_report_verb(bundle_verbs, common)
    add_run_verb(bundle_verbs, common)
    return parser


def _print_error(exc: ElicenseError, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"error": exc.to_dict()}, ensure_ascii=False))
    else:
        where = f" [{exc.field}]" if exc.field else ""
        print(f"elicense: {exc.code}{where}: {exc.message}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
