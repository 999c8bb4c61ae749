"""``elicense import FILE``: mint a JSON Lines file of certificates in batches.

Each line is a mint request (``type``, ``issuer``, ``fields``; optional ``holder``,
``valid_from``, ``valid_until``, ``mint_key``): the format, and what happens to a bad
line and to an interrupted import, are in :mod:`issuers.store.bulk_import`. In short:
a bad line is skipped and reported on stderr with its line number, error code and
field, never its data (exit code 1 when any was), every batch is one transaction, and
running the file again after an interruption, or after an edit, mints only what is
missing.

Progress goes to stderr: a progress bar on a terminal (rich), a plain line every two
seconds otherwise. The summary (stdout) gives the count, the time, certificates/s and
the database's size. ``--workers N`` signs on N processes while this one writes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from wallet.cli.fields import UsageError

EXIT_OK, EXIT_SOME_SKIPPED = 0, 1


def add_import_verb(verbs: Any, common: argparse.ArgumentParser) -> None:
    """Add ``import`` to ``elicense``'s subparsers."""
    verb = verbs.add_parser(
        "import", parents=[common], help="mint certificates from a JSON Lines file"
    )
    verb.add_argument("file", type=Path, help="JSON Lines: one mint request a line")
    verb.add_argument("--batch", type=int, default=1000, help="certificates a transaction")
    verb.add_argument(
        "--workers", type=int, default=0, help="processes that sign (0: sign in this one)"
    )
    verb.add_argument("--json", action="store_true", help="the summary as JSON")
    verb.set_defaults(handler=_import)


def _import(args: argparse.Namespace) -> int:
    if not 1 <= args.batch <= 10_000:
        raise UsageError("--batch must be 1 to 10000")
    if not 0 <= args.workers <= 64:
        raise UsageError("--workers must be 0 to 64")
    if not args.file.is_file():
        raise UsageError(f"no file {args.file}")
    from issuers.store.bulk_import import database_size, import_lines, read_lines
    from issuers.store.sealing_pool import SealingPool
    from wallet.cli.local import database_errors, local_services

    total = args.file.stat().st_size
    with ExitStack() as stack:
        services = stack.enter_context(local_services())
        kwargs: dict[str, Any] = {}
        if args.workers:
            kwargs["sealer"] = stack.enter_context(SealingPool(args.workers))
        source = stack.enter_context(args.file.open("rb"))
        progress = stack.enter_context(_progress(total, lambda: source.tell()))
        engine = services.issuance.engine
        # A database gone or full mid-way: a one-line message (whole batches are kept).
        with database_errors(engine.url.render_as_string(hide_password=True)):
            report = import_lines(
                services.issuance, read_lines(source), batch_size=args.batch, on_bad=_say_bad,
                on_batch=lambda r: progress(r.minted), **kwargs,
            )  # fmt: skip
            size = database_size(engine)
    rate = report.minted / report.seconds if report.seconds else 0.0
    summary = {
        "lines": report.lines, "minted": report.minted, "already": report.already,
        "skipped": len(report.bad),
        "seconds": round(report.seconds, 2), "certificates_per_second": round(rate, 1),
        "database_bytes": size,
    }  # fmt: skip
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"imported {report.minted:,} certificates from {report.lines:,} lines in "
            f"{report.seconds:.1f} s ({rate:,.0f}/s); {report.already:,} were already; "
            f"{len(report.bad):,} lines skipped; "
            f"database {size / 2**20:,.1f} MiB"
        )
    return EXIT_SOME_SKIPPED if report.bad else EXIT_OK


def _say_bad(bad: Any) -> None:
    """The line, the code and the field: the message may quote the holder's data (an ID
    number), and this goes to cron's mail or the journal."""
    where = f" ({bad.field})" if bad.field else ""
    print(f"line {bad.line}: skipped, {bad.code}{where}", file=sys.stderr)


@contextmanager
def _progress(total: int, done_bytes: Callable[[], int]) -> Iterator[Callable[[int], None]]:
    """A callable to report the certificates minted so far; the file's bytes read say
    how far along it is."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(transient=False) as bar:
            task = bar.add_task("importing", total=total)

            def show(minted: int) -> None:
                bar.update(task, completed=done_bytes(), description=f"{minted:,} minted")

            yield show
        return
    started = last = time.monotonic()

    def line(minted: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 2:
            last = now
            share = done_bytes() / total if total else 1.0
            rate = minted / (now - started)
            print(f"import: {minted:,} minted, {share:.0%} of the file, {rate:,.0f}/s",
                  file=sys.stderr, flush=True)  # fmt: skip

    yield line
