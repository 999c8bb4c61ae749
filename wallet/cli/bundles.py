"""``elicense bundles list|validate``: the bundle definitions (samples/bundles/*.json).

* ``list [--dir DIR] [--json]``: a table of the bundles: code, name, items, departments
  (承办部门, counted by name) and the paper baseline against the one-stop target.
* ``validate [PATH ...]``: checks files, or every ``*.json`` of a directory (default:
  samples/bundles), one by one and together (item codes unique across them); prints one
  line per file and exits 0, or exits 2 with the one refusal, naming the file and the
  field (``newborn.json: items.2.depends_on.0: unknown item 'x'``).

Both read files only: no database, no settings. ``--no-handlers`` skips the check that
each item's handler is in the registry (for definitions written before their handlers).
The operator's ``run`` and ``report`` verbs hang under the same ``bundles`` verb.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wallet.bundles.definitions import (
    DEFAULT_BUNDLES_DIR,
    BundleDefinition,
    definition_files,
    load_files,
)
from wallet.cli.fields import UsageError

__all__ = ["add_bundle_verbs", "bundle_row", "format_table"]


def add_bundle_verbs(verbs: Any, common: argparse.ArgumentParser) -> Any:
    """The ``bundles`` verb and its sub-verbs; returns the sub-verbs' action, where the
    operator's verbs (``run``, ``report``) are added too."""
    bundles = verbs.add_parser("bundles", help="one-stop bundles (一件事): definitions, runs")
    bundle_verbs = bundles.add_subparsers(dest="bundles_verb", required=True)
    listing = bundle_verbs.add_parser("list", parents=[common], help="the bundles, as a table")
    listing.add_argument(
        "--dir", type=Path, default=DEFAULT_BUNDLES_DIR, help="definitions directory"
    )
    listing.add_argument("--json", action="store_true", help="JSON instead of a table")
    _handlers_option(listing)
    listing.set_defaults(handler=_list)
    validate = bundle_verbs.add_parser(
        "validate", parents=[common], help="check definition files; exit 2 naming a bad field"
    )
    validate.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files or directories"
    )
    _handlers_option(validate)
    validate.set_defaults(handler=_validate)
    return bundle_verbs


def _handlers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-handlers",
        action="store_true",
        help="do not check item handlers against the registry",
    )


def _files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths or [DEFAULT_BUNDLES_DIR]:
        files.extend(definition_files(path) if path.is_dir() else [path])
    return files


def _load(files: list[Path], args: argparse.Namespace) -> list[tuple[Path, BundleDefinition]]:
    try:
        return load_files(files, check_handlers=not args.no_handlers)
    except ImportError as exc:  # the registry itself is missing: say so, no traceback
        raise UsageError(f"{exc}; give --no-handlers to check the rest") from None


def _validate(args: argparse.Namespace) -> int:
    loaded = _load(_files(args.paths), args)
    for path, definition in loaded:
        departments = len({item.department_name_zh for item in definition.items})
        print(
            f"{path.name}: ok: {definition.bundle} {definition.name_zh}, "
            f"{_count(len(definition.items), 'item')}, {_count(departments, 'department')}, "
            f"{_count(len(definition.roles), 'role')}, {_count(len(definition.form), 'form field')}"
        )
    if not loaded:
        print("no bundle definitions")
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _list(args: argparse.Namespace) -> int:
    loaded = _load(definition_files(args.dir), args)
    rows = [bundle_row(definition) for _, definition in loaded]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(format_table(rows))
    return 0


def bundle_row(definition: BundleDefinition) -> dict[str, Any]:
    b = definition.baseline
    return {
        "code": definition.bundle,
        "name": definition.name_zh,
        "items": len(definition.items),
        "departments": len({item.department_name_zh for item in definition.items}),
        "baseline": (
            f"steps {b.steps}→{b.target_steps}, forms {b.forms}→{b.target_forms}, "
            f"days {b.days}→{b.target_days}, trips {b.trips}→0, materials {b.materials}→0"
        ),
    }


_COLUMNS = ("code", "name", "items", "departments", "baseline")


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """Rows under a header, columns padded by display width (a Chinese character is
    two columns wide)."""
    cells = [list(_COLUMNS), *([str(row[c]) for c in _COLUMNS] for row in rows)]
    widths = [max(_width(line[i]) for line in cells) for i in range(len(_COLUMNS))]
    lines = []
    for line in cells:
        padded = [text + " " * (widths[i] - _width(text)) for i, text in enumerate(line)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
